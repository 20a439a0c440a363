"""Prints what the S3 stand-in holds for one bucket, as JSON, read with boto3 from the controller.

The keys come from the environment (OWT_S3_*), never from the command line.
"""

import json
import os

import boto3
from botocore.config import Config


def main():
    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["OWT_S3_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id=os.environ["OWT_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["OWT_S3_SECRET_KEY"],
        verify=os.environ["OWT_S3_CA"],
        config=Config(s3={"addressing_style": "path"}),
    )
    bucket = os.environ["OWT_S3_BUCKET"]
    versions = s3.list_object_versions(Bucket=bucket)
    state = {
        "buckets": sorted(b["Name"] for b in s3.list_buckets()["Buckets"]),
        "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status", ""),
        "cors": s3.get_bucket_cors(Bucket=bucket)["CORSRules"],
        "versions": [v["Key"] for v in versions.get("Versions", [])],
        "delete_markers": [v["Key"] for v in versions.get("DeleteMarkers", [])],
    }
    print(json.dumps(state))


if __name__ == "__main__":
    main()
