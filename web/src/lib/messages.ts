export const fr: Record<string, string> = {};
export const es: Record<string, string> = {};
