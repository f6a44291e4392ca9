"""Object storage for every feature (uploads, exports, attachments, inbound mail): a port, its S3 adapter."""

from __future__ import annotations

from datetime import timedelta
from typing import IO, Any, Protocol

from chalicelib.core.errors import NotFoundError, ServiceUnavailableError
from chalicelib.core.observability import logger
from chalicelib.core.settings import Settings


class FileStore(Protocol):
    def open(self, key: str) -> tuple[IO[bytes], int, str]:
        """A streaming body, its size and ETag. Raises: NotFoundError."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def upload_url(self, key: str, expires: timedelta) -> str: ...

    def download_url(self, key: str, expires: timedelta, filename: str) -> str: ...

    def delete_prefix(self, prefix: str, limit: int = 1000) -> int:
        """Delete up to `limit` objects under `prefix`; returns how many. Raises: ServiceUnavailableError."""

    def delete_keys(self, keys: list[str]) -> int:
        """Delete these objects (missing ones are fine); returns how many were asked for.
        Raises: ServiceUnavailableError."""


class S3FileStore:
    def __init__(self, settings: Settings) -> None:
        # boto3 (with s3transfer, ~100 ms) loads with the first store built, not with every module
        # that names FileStore: the API's cold start imports those, and its first request may
        # never touch the bucket.
        import boto3

        self._bucket = settings.bucket_name
        self._client: Any = boto3.client(
            "s3", region_name=settings.region, endpoint_url=settings.endpoint_url
        )

    def open(self, key: str) -> tuple[IO[bytes], int, str]:
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.NoSuchKey:
            raise NotFoundError("The file is not in the bucket.") from None
        except Exception:
            logger.exception("file read failed")
            raise ServiceUnavailableError("File storage is unavailable; try again.") from None
        return response["Body"], int(response["ContentLength"]), str(response["ETag"]).strip('"')

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self._client.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)
        except Exception:
            logger.exception("file write failed")
            raise ServiceUnavailableError("File storage is unavailable; try again.") from None

    def delete_prefix(self, prefix: str, limit: int = 1000) -> int:
        try:
            listed = self._client.list_objects_v2(Bucket=self._bucket, Prefix=prefix, MaxKeys=limit)
            objects = [{"Key": item["Key"]} for item in listed.get("Contents", [])]
            if objects:
                self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": objects, "Quiet": True})
        except Exception:
            logger.exception("file delete failed")
            raise ServiceUnavailableError("File storage is unavailable; try again.") from None
        return len(objects)

    def delete_keys(self, keys: list[str]) -> int:
        unique = list(dict.fromkeys(k for k in keys if k))
        try:
            for start in range(0, len(unique), 1000):  # DeleteObjects takes 1,000 keys a call
                objects = [{"Key": key} for key in unique[start : start + 1000]]
                self._client.delete_objects(Bucket=self._bucket, Delete={"Objects": objects, "Quiet": True})
        except Exception:
            logger.exception("file delete failed")
            raise ServiceUnavailableError("File storage is unavailable; try again.") from None
        return len(unique)

    def upload_url(self, key: str, expires: timedelta) -> str:
        url: str = self._client.generate_presigned_url(
            "put_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=int(expires.total_seconds())
        )
        return url

    def download_url(self, key: str, expires: timedelta, filename: str) -> str:
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=int(expires.total_seconds()),
        )
        return url
