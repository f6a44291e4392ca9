"""One stage of Clientele in AWS: the Chalice app (API + event functions) and what it needs.

Table keys and indexes come from the PynamoDB models (`chalicelib.bootstrap.table_definition`), the
functions, schedules and event rules from the Chalice app itself (chalice packages it), the
environment from `chalicelib.core.settings` (infra.environment) and each function's grants from
infra.permissions. The back-office UI (web/dist) is served by CloudFront from a private bucket, with
the API on the same distribution (no CORS).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as ses_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from chalicelib.bootstrap import table_definition
from chalicelib.imports.domain import (
    EXPORT_PREFIX,
    IMPORT_PREFIX,
    PASSWORD_CHUNK_PREFIX,
    REPORT_PREFIX,
    WORKER_FUNCTION,
)
from chalicelib.imports.password_workers import WORKER_CONCURRENCY
from chalicelib.models.base import TableRecord
from devtools.web_static import API_PATHS, content_security_policy
from infra.chalice_app import LAMBDA_RUNTIME, AppFunction, ClienteleChalice
from infra.edge import (
    ACCESS_LOG_FORMAT,
    CLOUDFRONT_LOG_FIELDS,
    CUSTOM_RESPONSE_BODIES,
    ORIGIN_VERIFY_HEADER,
    WAF_LOG_GROUP_PREFIX,
    waf_logging_filter,
    waf_logging_redactions,
    web_acl_rules,
)
from infra.environment import lambda_environment
from infra.index_migration import table_at_step
from infra.nag import suppress
from infra.permissions import INBOUND_PREFIX, access_for
from infra.snap_start import invoke_permissions_on_aliases, point_api_at_aliases, publish_live_alias
from infra.stages import PROJECT_DIR, REGION, StageConfig
from infra.tracing import function_tracing, sample_api_stage

# Asynchronous invocations (EventBridge → Lambda): two retries within six hours, then the DLQ.
ASYNC_RETRY_ATTEMPTS = 2
ASYNC_MAX_EVENT_AGE = cdk.Duration.hours(6)
DLQ_RETENTION = cdk.Duration.days(14)
# Bucket object lifetimes: uploads and exports are working files, reports and mail are kept longer.
# Password chunks are deleted once hashed; one left behind (a chunk given up on) holds plaintexts:
# gone after a day whatever happens.
LIFECYCLE_DAYS: dict[str, int] = {
    IMPORT_PREFIX: 30,
    EXPORT_PREFIX: 7,
    REPORT_PREFIX: 30,
    INBOUND_PREFIX: 90,
    PASSWORD_CHUNK_PREFIX: 1,
}
# Alarms of a synchronous function (the API's), each over its own Lambda metric.
SYNCHRONOUS_ALARM_METRICS = ("Errors", "Throttles")
# Reserved concurrency by function: the bound of a fan-out (issue 17 §4: the password workers).
RESERVED_CONCURRENCY: dict[str, int] = {WORKER_FUNCTION: WORKER_CONCURRENCY}
SSM_SECRET_REFERENCE = "/aws/reference/secretsmanager/"  # noqa: S105 (a path, not a password)
# The back-office UI (make web), deployed to the UI bucket when built; served by CloudFront with the API.
WEB_DIST = PROJECT_DIR / "web" / "dist"
# The API's paths on the distribution (the same ones the local server sends to chalice local).
UPLOAD_CORS_ORIGIN = "https://*.cloudfront.net"
API_BEHAVIOUR_PATHS = tuple(f"{path}/*" if path != "/openapi.json" else path for path in API_PATHS)

TABLE_READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
TABLE_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)


def ttl_attribute() -> str:
    """The model's TTL attribute name (exactly one TTLAttribute on the table record)."""
    from pynamodb.attributes import TTLAttribute

    names = [a.attr_name for a in TableRecord.get_attributes().values() if isinstance(a, TTLAttribute)]
    if len(names) != 1:
        raise RuntimeError(f"expected one TTL attribute on TableRecord, found {names}")
    return names[0]


def _key_schema(keys: list[dict[str, str]]) -> list[dynamodb.CfnTable.KeySchemaProperty]:
    return [
        dynamodb.CfnTable.KeySchemaProperty(attribute_name=k["AttributeName"], key_type=k["KeyType"])
        for k in keys
    ]


class ClienteleStack(cdk.Stack):
    def __init__(self, scope: Construct, stage: StageConfig, **kwargs: Any) -> None:
        # One region (infra.stages.REGION): the CLOUDFRONT-scope web ACL must be created there.
        super().__init__(
            scope,
            stage.stack_name,
            stack_name=stage.stack_name,
            env=cdk.Environment(region=REGION),
            **kwargs,
        )
        self.stage = stage
        keep = cdk.RemovalPolicy.RETAIN if stage.production else cdk.RemovalPolicy.DESTROY
        self.keep = keep
        self._dead_letter_queue: sqs.Queue | None = None

        self.table = self._table()
        self.bucket = self._bucket()
        self.token_secret = secretsmanager.Secret(
            self,
            "TokenSecret",
            secret_name=stage.secret_name("token-secret"),
            description="Signing key of Clientele's tokens and list cursors (generated, never typed).",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=keep,
        )
        self.imap_secret = secretsmanager.Secret(
            self,
            "ImapPassword",
            secret_name=stage.secret_name("imap-password"),
            description="Password of the shop's IMAP mailbox (mail-poll); set it with put-secret-value.",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=32, exclude_punctuation=True
            ),
            removal_policy=keep,
        )
        # The shop's PrestaShop 1.6 _COOKIE_KEY_ (setting import.prestashop_cookie_key): sign-in checks
        # imported md5(key + password) hashes with it. PATCH /admin/settings writes the real value;
        # until then the secret holds a generated placeholder that the app reads as "not set".
        self.cookie_key_secret = secretsmanager.Secret(
            self,
            "PrestashopCookieKey",
            secret_name=stage.secret_name("prestashop-cookie-key"),
            description="The shop's PrestaShop 1.6 _COOKIE_KEY_, for imported MD5 password hashes; set it "
            "with PATCH /admin/settings import.prestashop_cookie_key.",
            # A placeholder the app reads as "not set" (repositories/secrets.py), so GET /admin/settings
            # and the import's warning tell the truth until the merchant sets the real key.
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=56,
                exclude_punctuation=True,
                secret_string_template='{"unset": true}',  # noqa: S106 (a placeholder, no secret)
                generate_string_key="placeholder",
            ),
            removal_policy=keep,
        )
        # CloudFront sends it to the API in X-Clientele-Origin-Verify; the API refuses requests without
        # it, so execute-api called directly (skipping WAF's edge rules) cannot pose as CloudFront.
        self.origin_secret = secretsmanager.Secret(
            self,
            "OriginSecret",
            secret_name=stage.secret_name("origin-secret"),
            description="Value of the X-Clientele-Origin-Verify header CloudFront adds on the API origin "
            "(generated, never typed).",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            removal_policy=keep,
        )
        suppress(
            self.origin_secret,
            "AwsSolutions-SMG4",
            "CloudFront's origin header takes the value at deploy time: rotate it with put-secret-value, "
            "then redeploy; the API reads it with a 5-minute cache (infra/README.md).",
        )
        suppress(
            self.token_secret,
            "AwsSolutions-SMG4",
            "Rotating the signing key signs every user out; it is "
            "rotated by hand (put-secret-value) and read with a 5-minute cache, see infra/README.md.",
        )
        suppress(
            self.cookie_key_secret,
            "AwsSolutions-SMG4",
            "The cookie key is the old shop's, fixed when it was installed: it cannot be rotated, only "
            "dropped once every imported MD5 hash has been replaced by a sign-in.",
        )
        suppress(
            self.imap_secret,
            "AwsSolutions-SMG4",
            "The mailbox password belongs to the mail provider: it "
            "changes there first, then is copied here by hand; a rotation Lambda cannot change it.",
        )
        self.inbound_rule_set = self._inbound_mail()
        self.alarm_topic = self._alarm_topic()

        environment = lambda_environment(
            {
                "CLIENTELE_STAGE": stage.name,
                "CLIENTELE_TABLE_NAME": self.table.ref,
                "CLIENTELE_BUCKET_NAME": self.bucket.bucket_name,
                "CLIENTELE_TOKEN_SECRET_PARAMETER": SSM_SECRET_REFERENCE + stage.secret_name("token-secret"),
                "CLIENTELE_IMAP_PASSWORD_PARAMETER": SSM_SECRET_REFERENCE
                + stage.secret_name("imap-password"),
                "CLIENTELE_COOKIE_KEY_PARAMETER": SSM_SECRET_REFERENCE
                + stage.secret_name("prestashop-cookie-key"),
                "CLIENTELE_MAIL_TRANSPORT": "ses",
                "CLIENTELE_ORIGIN_SECRET_PARAMETER": SSM_SECRET_REFERENCE
                + stage.secret_name("origin-secret"),
            }
        )
        self.app = ClienteleChalice(
            self,
            "ChaliceApp",
            source_dir=str(PROJECT_DIR),
            stage=stage.name,
            stage_config={
                "environment_variables": environment,
                # One role per function, made below; chalice makes none.
                "manage_iam_role": False,
                "iam_role_arn": "arn:aws:iam::000000000000:role/replaced-per-function",
            },
        )
        for function in self.app.functions:
            self._wire_function(function)
        if stage.snap_start:
            function_ids = {function.logical_id for function in self.app.functions}
            point_api_at_aliases(self.app, function_ids)
            invoke_permissions_on_aliases(self.app, function_ids)
        self.api_stage_name = str(self.app.sam["Resources"]["RestAPI"]["Properties"]["StageName"])
        sample_api_stage(self, self.app, stage, self.api_stage_name)
        self._api_access_logs()
        self._api_web_acl()
        self.distribution = self._web()
        cdk.CfnOutput(self, "TableName", value=self.table.ref)
        cdk.CfnOutput(self, "BucketName", value=self.bucket.bucket_name)
        cdk.CfnOutput(self, "InboundRuleSetName", value=self.inbound_rule_set.receipt_rule_set_name)
        cdk.CfnOutput(
            self,
            "WebUrl",
            description="The back-office UI and the API (/admin, /store, /openapi.json), one origin.",
            value=f"https://{self.distribution.distribution_domain_name}",
        )

    # -- data ----------------------------------------------------------------------------------------
    def _table(self) -> dynamodb.CfnTable:
        definition = table_definition()
        step = self.node.try_get_context("table_index_step")
        if step is not None:  # a deployed stage's migration, one GSI per update (infra/index_migration.py)
            definition = table_at_step(definition, int(step))
        production = self.stage.production
        table = dynamodb.CfnTable(
            self,
            "Table",
            billing_mode="PAY_PER_REQUEST",
            key_schema=_key_schema(definition["key_schema"]),
            attribute_definitions=[
                dynamodb.CfnTable.AttributeDefinitionProperty(
                    attribute_name=a["AttributeName"], attribute_type=a["AttributeType"]
                )
                for a in definition["attribute_definitions"]
            ],
            global_secondary_indexes=[
                dynamodb.CfnTable.GlobalSecondaryIndexProperty(
                    index_name=index["index_name"],
                    key_schema=_key_schema(index["key_schema"]),
                    projection=dynamodb.CfnTable.ProjectionProperty(
                        projection_type=index["projection"]["ProjectionType"],
                        non_key_attributes=index["projection"].get("NonKeyAttributes"),
                    ),
                )
                for index in definition["global_secondary_indexes"]
            ]
            or None,
            local_secondary_indexes=[
                dynamodb.CfnTable.LocalSecondaryIndexProperty(
                    index_name=index["index_name"],
                    key_schema=_key_schema(index["key_schema"]),
                    projection=dynamodb.CfnTable.ProjectionProperty(
                        projection_type=index["projection"]["ProjectionType"],
                        non_key_attributes=index["projection"].get("NonKeyAttributes"),
                    ),
                )
                for index in definition["local_secondary_indexes"]
            ]
            or None,
            time_to_live_specification=dynamodb.CfnTable.TimeToLiveSpecificationProperty(
                attribute_name=ttl_attribute(), enabled=True
            ),
            point_in_time_recovery_specification=dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection_enabled=production,
            sse_specification=dynamodb.CfnTable.SSESpecificationProperty(sse_enabled=True),
        )
        table.apply_removal_policy(self.keep)
        self.index_names = [index["index_name"] for index in definition["global_secondary_indexes"]] + [
            index["index_name"] for index in definition["local_secondary_indexes"]
        ]
        return table

    def _bucket(self) -> s3.Bucket:
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # S3 server access logs and CloudFront's logs (v2, a CloudWatch Logs delivery) are written
            # under the bucket policy: no ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(self.stage.log_retention_days))],
            removal_policy=self.keep,
        )
        self.access_logs = access_logs
        bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="data-bucket/",
            # The UI's import screen PUTs files to presigned URLs of this bucket. The distribution's
            # domain can't be named here (distribution → API → functions → this bucket would be a
            # cycle), so: CloudFront origins only, PUT only; the presigned signature authorizes.
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.PUT],
                    allowed_origins=[UPLOAD_CORS_ORIGIN],
                    allowed_headers=["content-type"],
                    max_age=3600,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                ),
                *(
                    s3.LifecycleRule(
                        id=f"expire-{prefix.rstrip('/')}", prefix=prefix, expiration=cdk.Duration.days(days)
                    )
                    for prefix, days in LIFECYCLE_DAYS.items()
                ),
            ],
            removal_policy=self.keep,
        )
        # EventBridge notifications natively (CloudFormation's property), not CDK's custom-resource Lambda.
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )
        return bucket

    # -- the web UI and the API behind one CloudFront distribution --------------------------------------
    def _web(self) -> cloudfront.Distribution:
        """The UI from a private bucket (origin access control) and the API on the same origin: the
        browser needs no CORS for the API (the Chalice routes have cors=False)."""
        web_bucket = s3.Bucket(
            self,
            "WebBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="web-bucket/",
            removal_policy=self.keep,
        )
        api = self.app.get_resource("RestAPI")
        api_origin = origins.HttpOrigin(
            cdk.Fn.join(".", [api.ref, "execute-api", self.region, self.url_suffix]),
            origin_path=f"/{self.api_stage_name}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            # The API trusts CloudFront-Viewer-Address (the viewer's IP) only with this header: a
            # CloudFormation dynamic reference, resolved at deploy time, never in the template.
            custom_headers={ORIGIN_VERIFY_HEADER: self.origin_secret.secret_value.unsafe_unwrap()},
        )
        # The policy devtools.web_static sends locally; connect-src adds the data bucket, where the
        # import screen PUTs files through the API's presigned URLs.
        presigned_hosts = " ".join(
            f"https://{host}"
            for host in (self.bucket.bucket_domain_name, self.bucket.bucket_regional_domain_name)
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "WebHeaders",
            comment="Clientele UI: CSP without inline scripts, HSTS, nosniff, no referrer, no framing.",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(presigned_hosts), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(365), include_subdomains=True, override=True
                ),
            ),
        )
        api_behaviour = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # Authorization, Content-Type, Idempotency-Key, X-Cart-Token, ... and the query string;
            # Host must be execute-api's own.
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        )
        distribution = cloudfront.Distribution(
            self,
            "Web",
            comment=f"Clientele {self.stage.name}: back-office UI and API",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(web_bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
            ),
            additional_behaviors=dict.fromkeys(API_BEHAVIOUR_PATHS, api_behaviour),
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            web_acl_id=self._web_acl("Edge", "CLOUDFRONT").attr_arn,
        )
        self._web_logs(distribution)
        suppress(
            distribution,
            "AwsSolutions-CFR1",
            "The back office is used by the shop's employees wherever they are; sign-in, not the "
            "viewer's country, decides access.",
        )
        suppress(
            distribution,
            "AwsSolutions-CFR3",
            "The distribution logs with standard logging v2 (the WebLogs delivery to the access-log "
            "bucket, fields chosen so no query string or cookie is kept); cdk-nag only reads the "
            "legacy Logging property, whose logs always include the query string (?token=...).",
        )
        suppress(
            distribution,
            "AwsSolutions-CFR4",
            "The default *.cloudfront.net certificate (no custom domain yet) cannot pin the minimum "
            "TLS version; CloudFront then allows TLSv1 for viewers. A custom domain will fix it.",
        )
        if (WEB_DIST / "index.html").is_file():
            self._deploy_web(web_bucket, distribution)
        return distribution

    def _web_logs(self, distribution: cloudfront.Distribution) -> None:
        """CloudFront standard logging (v2) to the access-log bucket with `CLOUDFRONT_LOG_FIELDS` only."""
        source = logs.CfnDeliverySource(
            self,
            "WebLogsSource",
            name=f"{self.stage.stack_name}-web",
            log_type="ACCESS_LOGS",
            resource_arn=self.format_arn(
                service="cloudfront",
                region="",
                resource="distribution",
                resource_name=distribution.distribution_id,
            ),
        )
        destination = logs.CfnDeliveryDestination(
            self,
            "WebLogsDestination",
            name=f"{self.stage.stack_name}-web-logs",
            destination_resource_arn=self.access_logs.bucket_arn,
            output_format="json",
        )
        # CloudWatch Logs' delivery service writes the objects, for this account's deliveries only.
        self.access_logs.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudFrontLogsDelivery",
                principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[self.access_logs.arn_for_objects(f"AWSLogs/{self.account}/*")],
                conditions={
                    "StringEquals": {
                        "s3:x-amz-acl": "bucket-owner-full-control",
                        "aws:SourceAccount": self.account,
                    },
                    "ArnLike": {
                        "aws:SourceArn": self.format_arn(
                            service="logs", resource="delivery-source", resource_name="*"
                        )
                    },
                },
            )
        )
        delivery = logs.CfnDelivery(
            self,
            "WebLogs",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.attr_arn,
            record_fields=list(CLOUDFRONT_LOG_FIELDS),
        )
        delivery.add_resource_dependency(source)

    # -- the API stage: access logs and its own web ACL ----------------------------------------------
    def _api_access_logs(self) -> None:
        """Access logs of the API stage with `ACCESS_LOG_FORMAT` (no query string, body or header).

        Execution logs (which can hold whole requests) stay off. cdk-nag's API Gateway rules don't
        read the SAM `AWS::Serverless::Api`, so tests/infra asserts this instead.
        """
        log_group = logs.LogGroup(self, "ApiAccessLogs", removal_policy=self.keep)
        cfn_log_group = log_group.node.default_child
        assert isinstance(cfn_log_group, logs.CfnLogGroup)
        cfn_log_group.retention_in_days = self.stage.log_retention_days
        api = self.app.get_resource("RestAPI")
        api.add_property_override(
            "AccessLogSetting", {"DestinationArn": log_group.log_group_arn, "Format": ACCESS_LOG_FORMAT}
        )
        api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "LoggingLevel": "OFF",
                    "DataTraceEnabled": False,
                    "MetricsEnabled": True,
                }
            ],
        )
        # API Gateway writes logs with the account's CloudWatch role (one setting per account and
        # region, shared by every REST API there). Kept on stack deletion, as CDK's RestApi does: a
        # later stack in the same account may point the setting at it.
        role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway's account-wide CloudWatch Logs role (access logs of the API stage).",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        suppress(
            role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-wide logging role: the policy AWS documents for it, used by every "
            "REST API of the account and region, so it can't be scoped to this stage's log group.",
        )
        account = cdk.aws_apigateway.CfnAccount(self, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
        account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        api.add_resource_dependency(account)

    def _web_acl(self, name: str, scope: str) -> wafv2.CfnWebACL:
        """One web ACL with `infra.edge.web_acl_rules` (CLOUDFRONT for the distribution, REGIONAL for
        the API stage)."""
        prefix = f"{self.stage.stack_name}-{name}"
        acl = wafv2.CfnWebACL(
            self,
            f"{name}WebAcl",
            name=prefix,
            description=f"Clientele {self.stage.name} {scope.lower()}: managed rules and rate limits",
            scope=scope,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=prefix, sampled_requests_enabled=True
            ),
        )
        # Plain CloudFormation (infra/edge.py builds it; tests/infra evaluates it).
        acl.add_property_override(
            "Rules", web_acl_rules(prefix, self.api_stage_name, regional=scope == "REGIONAL")
        )
        acl.add_property_override("CustomResponseBodies", CUSTOM_RESPONSE_BODIES)
        self._web_acl_logs(acl, name, f"{WAF_LOG_GROUP_PREFIX}{prefix}")
        return acl

    def _web_acl_logs(self, acl: wafv2.CfnWebACL, name: str, log_group_name: str) -> None:
        """WAF logs of what was blocked or counted, credentials and query strings redacted."""
        log_group = logs.LogGroup(
            self, f"{name}WebAclLogs", log_group_name=log_group_name, removal_policy=self.keep
        )
        cfn_log_group = log_group.node.default_child
        assert isinstance(cfn_log_group, logs.CfnLogGroup)
        cfn_log_group.retention_in_days = self.stage.log_retention_days
        waf_logging = wafv2.CfnLoggingConfiguration(
            self,
            f"{name}WebAclLogging",
            resource_arn=acl.attr_arn,
            # The log group's ARN without the ":*" suffix of its Arn attribute (WAF refuses that one).
            log_destination_configs=[
                self.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=log_group_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        waf_logging.add_property_override("RedactedFields", waf_logging_redactions())
        waf_logging.add_property_override("LoggingFilter", waf_logging_filter())
        waf_logging.add_resource_dependency(cfn_log_group)

    def _api_web_acl(self) -> None:
        acl = self._web_acl("Api", "REGIONAL")
        api = self.app.get_resource("RestAPI")
        # `RestAPI.Stage` is SAM's reference to the stage it generates (so the association waits for it).
        stage_arn = cdk.Fn.join(
            "",
            [
                f"arn:{self.partition}:apigateway:{self.region}::/restapis/",
                api.ref,
                "/stages/",
                cdk.Fn.ref("RestAPI.Stage"),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "ApiWebAclAssociation", resource_arn=stage_arn, web_acl_arn=acl.attr_arn
        )

    def _deploy_web(self, web_bucket: s3.Bucket, distribution: cloudfront.Distribution) -> None:
        s3_deployment.BucketDeployment(
            self,
            "WebDeployment",
            destination_bucket=web_bucket,
            sources=[s3_deployment.Source.asset(str(WEB_DIST))],
            distribution=distribution,
            distribution_paths=["/index.html"],
            prune=True,
            memory_limit=256,
        )
        handler = next(
            child for child in self.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")
        )
        web_bucket_id = self.resolve(self.get_logical_id(web_bucket.node.default_child))  # type: ignore[arg-type]
        handler_role = "CDK's BucketDeployment handler (runs at deploy time only, never on a request)"
        acknowledgments = {
            "AwsSolutions-L1": f"{handler_role}: its runtime is chosen by aws-cdk-lib (pinned in "
            "requirements-infra.txt) and moves with it.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]": f"{handler_role} logs with AWSLambdaBasicExecutionRole "
            "(CloudWatch Logs only).",
            "AwsSolutions-IAM5[Resource::*]": f"{handler_role}: cloudfront:CreateInvalidation has no "
            "resource-level permission in CDK's grant; it invalidates /index.html after a deploy.",
            # The stack's region is fixed (infra.stages.REGION), so the asset bucket's name spells it.
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-"
            f"{REGION}/*]": f"{handler_role} reads the built UI from the CDK bootstrap asset bucket.",
            f"AwsSolutions-IAM5[Resource::<{web_bucket_id}.Arn>/*]": f"{handler_role} replaces every "
            "file of the UI bucket (copy, then prune files a new build no longer has).",
            **{
                f"AwsSolutions-IAM5[Action::{action}]": f"{handler_role}: CDK's own grant ({action}) on "
                "the asset bucket (read) and the UI bucket (write, prune) only."
                for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*")
            },
        }
        for finding, reason in acknowledgments.items():
            suppress(handler, finding, reason)
        # CDK adds DependsOn the role next to the GetAtt of it; cfn-lint warns that one is redundant.
        function = handler.node.default_child
        assert isinstance(function, cdk.CfnResource)
        function.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})

    def _inbound_mail(self) -> ses.ReceiptRuleSet:
        # The S3 action also grants SES (this account only) s3:PutObject under inbound/ in the bucket policy.
        return ses.ReceiptRuleSet(
            self,
            "InboundMail",
            receipt_rule_set_name=f"{self.stage.stack_name}-inbound",
            rules=[
                ses.ReceiptRuleOptions(
                    receipt_rule_name=f"{self.stage.stack_name}-to-bucket",
                    recipients=[self.stage.receiving_domain],
                    scan_enabled=True,
                    tls_policy=ses.TlsPolicy.REQUIRE,
                    actions=[ses_actions.S3(bucket=self.bucket, object_key_prefix=INBOUND_PREFIX)],
                )
            ],
        )

    def _alarm_topic(self) -> sns.Topic:
        key = kms.Key(
            self,
            "AlarmKey",
            description="Encrypts Clientele's alarm topic.",
            enable_key_rotation=True,
            removal_policy=self.keep,
        )
        key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        topic = sns.Topic(self, "Alarms", master_key=key, enforce_ssl=True)
        if self.stage.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.stage.alarm_email))
        return topic

    # -- functions -----------------------------------------------------------------------------------
    def _wire_function(self, function: AppFunction) -> None:
        resource = self.app.get_resource(function.logical_id)
        resource.add_property_override("Runtime", LAMBDA_RUNTIME)
        resource.add_property_override("Tracing", function_tracing(function, self.stage))
        if self.stage.snap_start:
            publish_live_alias(resource)
        log_group = logs.LogGroup(
            self,
            f"{function.logical_id}Logs",
            removal_policy=self.keep,
        )
        cfn_log_group = log_group.node.default_child
        assert isinstance(cfn_log_group, logs.CfnLogGroup)
        cfn_log_group.retention_in_days = self.stage.log_retention_days
        resource.add_property_override(
            "LoggingConfig", {"LogGroup": log_group.log_group_name, "LogFormat": "Text"}
        )
        dlq = self._dead_letters() if function.asynchronous else None
        role = self._role(function, log_group, dlq)
        resource.add_property_override("Role", role.role_arn)
        if function.name in RESERVED_CONCURRENCY:
            resource.add_property_override(
                "ReservedConcurrentExecutions", RESERVED_CONCURRENCY[function.name]
            )
        if not function.asynchronous:
            # A synchronous caller (API Gateway) gets the error or the throttle at once: page on
            # both. An asynchronous function's failures are paged by the one dead-letter queue's
            # alarm instead: Lambda retries errors and throttles, and an event is lost (the failure
            # that matters) only when it lands there. One alarm per function each would be 2.80 USD
            # a month of alarms (issue 19 goal 7).
            for metric_name in SYNCHRONOUS_ALARM_METRICS:
                self._alarm(function, metric_name, resource.ref)
        if dlq is None:
            return
        self._async_invoke_config(function, resource, dlq)
        # EventBridge's own delivery to the function: retried, then the same DLQ.
        events = self.app.sam["Resources"][function.logical_id]["Properties"].get("Events", {})
        if any(event["Type"] == "Schedule" for event in events.values()):
            # CDK's built-in template check (an older SAM translator) wrongly reports a Schedule event
            # with DeadLetterConfig/RetryPolicy as missing 'Schedule'; SAM 1.115 transforms it as meant.
            cdk.Validations.of(resource).acknowledge(
                cdk.Acknowledgment(
                    id="CloudFormation-Validate::E0001",
                    reason="False positive: SAM supports DeadLetterConfig, RetryPolicy on Schedule events.",
                )
            )
        for event_name in events:
            resource.add_property_override(
                f"Events.{event_name}.Properties.DeadLetterConfig", {"Arn": dlq.queue_arn}
            )
            resource.add_property_override(
                f"Events.{event_name}.Properties.RetryPolicy",
                {
                    "MaximumRetryAttempts": 8,
                    "MaximumEventAgeInSeconds": int(ASYNC_MAX_EVENT_AGE.to_seconds()),
                },
            )

    def _async_invoke_config(self, function: AppFunction, resource: cdk.CfnResource, dlq: sqs.Queue) -> None:
        """Lambda's retries of an asynchronous invocation, then its on-failure destination: the DLQ."""
        if self.stage.snap_start:
            # Lambda keeps this per qualifier and the events invoke the alias: SAM's own property
            # qualifies it with the alias and creates it once the alias exists.
            resource.add_property_override(
                "EventInvokeConfig",
                {
                    "MaximumRetryAttempts": ASYNC_RETRY_ATTEMPTS,
                    "MaximumEventAgeInSeconds": int(ASYNC_MAX_EVENT_AGE.to_seconds()),
                    "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": dlq.queue_arn}},
                },
            )
            return
        # Without an alias, on $LATEST. (A stage turning SnapStart on replaces it by SAM's, on the
        # alias: a different qualifier, so the new one can be created before this one is deleted.)
        cdk.aws_lambda.CfnEventInvokeConfig(
            self,
            f"{function.logical_id}InvokeConfig",
            function_name=resource.ref,
            qualifier="$LATEST",
            maximum_retry_attempts=ASYNC_RETRY_ATTEMPTS,
            maximum_event_age_in_seconds=int(ASYNC_MAX_EVENT_AGE.to_seconds()),
            destination_config=cdk.aws_lambda.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=cdk.aws_lambda.CfnEventInvokeConfig.OnFailureProperty(destination=dlq.queue_arn)
            ),
        )

    def _dead_letters(self) -> sqs.Queue:
        """The stack's one dead-letter queue, made on first use: every asynchronous function's
        events that gave up after retries (Lambda's on-failure destination and EventBridge's target
        DLQ), with one alarm on its depth. A message names its function (Lambda's record carries
        `requestContext.functionArn`, EventBridge's the rule and target ARNs as attributes)."""
        if self._dead_letter_queue is not None:
            return self._dead_letter_queue
        queue = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
            removal_policy=self.keep,
        )
        # EventBridge rules of this stack deliver their failed events here.
        queue.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": self.format_arn(
                            service="events", resource="rule", resource_name=f"{self.stack_name}-*"
                        )
                    }
                },
            )
        )
        suppress(
            queue,
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of every asynchronous function "
            "(Lambda on-failure destination and EventBridge target DLQ); it has no DLQ of its own.",
        )
        cloudwatch.Alarm(
            self,
            "DeadLettersAlarm",
            alarm_description="An asynchronous function's event gave up after retries (see the "
            "dead-letter queue: each message names its function)",
            metric=queue.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(5), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ).add_alarm_action(cloudwatch_actions.SnsAction(self.alarm_topic))
        self._dead_letter_queue = queue
        return queue

    def _alarm(self, function: AppFunction, metric_name: str, function_name: str) -> None:
        cloudwatch.Alarm(
            self,
            f"{function.logical_id}{metric_name}Alarm",
            alarm_description=f"{function.name}: Lambda {metric_name}",
            metric=cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name=metric_name,
                dimensions_map={"FunctionName": function_name},
                statistic="Sum",
                period=cdk.Duration.minutes(5),
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        ).add_alarm_action(cloudwatch_actions.SnsAction(self.alarm_topic))

    def _role(self, function: AppFunction, log_group: logs.LogGroup, dlq: sqs.Queue | None) -> iam.Role:
        access = access_for(function.name)
        table_arn = self.table.attr_arn
        statements = [
            iam.PolicyStatement(
                sid="Logs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            ),
            iam.PolicyStatement(
                sid="Tracing", actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            ),
            iam.PolicyStatement(
                sid="Table",
                actions=[*TABLE_READ_ACTIONS, *(TABLE_WRITE_ACTIONS if access.table_write else ())],
                resources=[table_arn],
            ),
            iam.PolicyStatement(
                sid="TableIndexes",
                actions=["dynamodb:Query"],
                resources=[f"{table_arn}/index/{name}" for name in self.index_names],
            ),
            iam.PolicyStatement(
                sid="TokenKey",
                actions=["ssm:GetParameter"],
                resources=[self._reference_parameter_arn("token-secret")],
            ),
            iam.PolicyStatement(
                sid="TokenKeySecret",
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.token_secret.secret_arn],
            ),
        ]
        if access.origin_secret:
            statements.append(
                iam.PolicyStatement(
                    sid="OriginSecret",
                    actions=["ssm:GetParameter"],
                    resources=[self._reference_parameter_arn("origin-secret")],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="OriginSecretSecret",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[self.origin_secret.secret_arn],
                )
            )
        if access.read_prefixes:
            statements.append(
                iam.PolicyStatement(
                    sid="BucketRead",
                    actions=["s3:GetObject"],
                    resources=[self.bucket.arn_for_objects(f"{prefix}*") for prefix in access.read_prefixes],
                )
            )
        if access.write_prefixes:
            statements.append(
                iam.PolicyStatement(
                    sid="BucketWrite",
                    actions=["s3:PutObject"],
                    resources=[self.bucket.arn_for_objects(f"{prefix}*") for prefix in access.write_prefixes],
                )
            )
        if access.delete_prefixes:
            statements.append(
                iam.PolicyStatement(
                    sid="BucketDelete",
                    actions=["s3:DeleteObject"],
                    resources=[
                        self.bucket.arn_for_objects(f"{prefix}*") for prefix in access.delete_prefixes
                    ],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="BucketList",
                    actions=["s3:ListBucket"],
                    resources=[self.bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{p}*" for p in access.delete_prefixes]}},
                )
            )
        if access.send_mail:
            statements.append(
                iam.PolicyStatement(
                    sid="SendMail",
                    actions=["ses:SendEmail", "ses:SendRawEmail"],
                    resources=[
                        self.format_arn(
                            service="ses", resource="identity", resource_name=self.stage.sending_identity
                        )
                    ],
                )
            )
        if access.imap_password:
            statements.append(
                iam.PolicyStatement(
                    sid="ImapPassword",
                    actions=["ssm:GetParameter"],
                    resources=[self._reference_parameter_arn("imap-password")],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="ImapPasswordSecret",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[self.imap_secret.secret_arn],
                )
            )
        if access.cookie_key:
            statements.append(
                iam.PolicyStatement(
                    sid="CookieKey",
                    actions=["ssm:GetParameter"],
                    resources=[self._reference_parameter_arn("prestashop-cookie-key")],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="CookieKeySecret",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[self.cookie_key_secret.secret_arn],
                )
            )
        if access.imap_password_write:
            # PUT /admin/customer-service/mailbox/password: the API writes the secret, never reads it
            # back to a caller.
            statements.append(
                iam.PolicyStatement(
                    sid="ImapPasswordWrite",
                    actions=["secretsmanager:PutSecretValue"],
                    resources=[self.imap_secret.secret_arn],
                )
            )
        if access.cookie_key_write:
            # PATCH /admin/settings import.prestashop_cookie_key: written, never returned to a caller.
            statements.append(
                iam.PolicyStatement(
                    sid="CookieKeyWrite",
                    actions=["secretsmanager:PutSecretValue"],
                    resources=[self.cookie_key_secret.secret_arn],
                )
            )
        if dlq is not None:
            statements.append(
                iam.PolicyStatement(sid="DeadLetters", actions=["sqs:SendMessage"], resources=[dlq.queue_arn])
            )
        role = iam.Role(
            self,
            f"{function.logical_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Clientele {self.stage.name} {function.name}: grants in infra/permissions.py",
            inline_policies={"access": iam.PolicyDocument(statements=statements)},
        )
        suppress(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (no data).",
        )
        bucket_id = self.resolve(self.get_logical_id(self.bucket.node.default_child))  # type: ignore[arg-type]
        for prefix in sorted({*access.read_prefixes, *access.write_prefixes, *access.delete_prefixes}):
            suppress(
                role,
                f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}*]",
                f"Object keys under {prefix} are generated per job or message; the grant is limited to the "
                "prefixes this function reads or writes (infra/permissions.py).",
            )
        return role

    def _reference_parameter_arn(self, what: str) -> str:
        # Parameter Store's read-only reference to a Secrets Manager secret (what settings name).
        return self.format_arn(
            service="ssm",
            resource="parameter",
            resource_name=(SSM_SECRET_REFERENCE + self.stage.secret_name(what)).lstrip("/"),
        )
