#!/usr/bin/env python3
"""Emulator for the ecr-keeper emulator tests and the README demo.

Starts moto 5.2.1 (server mode, in-process) on 127.0.0.1 with a handful of
patches that make ECR, ECS and Inspector2 answer like AWS on the paths
ecr-keeper uses, plus a small control server that edits moto's in-memory
backends (push times, task digests, Inspector findings...).

Control routes (POST, JSON body, `region` defaults to us-east-1, `accountId` to 123456789012):
    /ecr/image-times          {repositoryName, imageDigest, imagePushedAt?, lastRecordedPullTime?,
                               lastArchivedAt?, lastActivatedAt?, imageStatus?}
    /ecs/task-digest          {cluster, taskArn, containerName, imageDigest | null}
    /ecs/task-status          {cluster, taskArn, lastStatus}
    /ecs/container-instance   {cluster}  -> {containerInstanceArn, ec2InstanceId}
    /ecs/deployment-status    {cluster, service, status, serviceDeploymentArn?, statusReason?}
    /ecs/legacy-service       {cluster, service}  -> {serviceArn, revisions, deployments} (forgets them)
    /ec2/default-network      {}         -> {subnets, securityGroups}
    /inspector2/findings      {findings: [{repositoryName, imageDigest, severity, title?, status?}]}
    /inspector2/coverage      {images: [{repositoryName, imageDigest, lastInUseAt?, inUseCount?, imagePulledAt?,
                              scanStatus? {statusCode, reason}, lastScannedAt? (null: never scanned)}]}
    /iam/role                 {roleName, accountId?, trustPolicy?}  -> {arn} (created once; Lambda
                              CreateFunction needs a role; AssumeRole needs one in the target account)

Prints one line to stdout once both servers listen:
    READY {"endpoint": "http://127.0.0.1:P", "control": "http://127.0.0.1:Q"}
and exits when stdin closes or on SIGTERM/SIGINT, so a crashed test run never
leaves it behind. Every gap and workaround is listed in the README (Testing notes).
"""

from __future__ import annotations

import contextvars
import copy
import hashlib
import json
import logging
import os
import re
import signal
import sys
import threading
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

REQUIRED_MOTO = "5.2.1"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
# Tasks must not drift to STOPPED on describe: progress only after this many describes.
TASK_TRANSITION = {"progression": "manual", "times": 1_000_000_000}

try:
    import moto
except ImportError:
    sys.stderr.write(
        "moto is not installed for this python3; run scripts/emulator-setup.sh "
        f'(pip install "moto[server]=={REQUIRED_MOTO}")\n'
    )
    sys.exit(2)

if moto.__version__ != REQUIRED_MOTO:
    # The patches below replace moto internals line by line; another version may differ silently.
    sys.stderr.write(
        f"moto {moto.__version__} found, the emulator patches are written for moto {REQUIRED_MOTO}; "
        f'run scripts/emulator-setup.sh (pip install "moto[server]=={REQUIRED_MOTO}")\n'
    )
    sys.exit(2)

try:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
except ImportError as error:
    sys.stderr.write(f"moto server mode unavailable ({error}); run scripts/emulator-setup.sh\n")
    sys.exit(2)

from moto.awslambda import exceptions as lambda_exceptions
from moto.awslambda import models as lambda_models
from moto.batch import models as batch_models
from moto.batch import responses as batch_responses
from moto.core.exceptions import JsonRESTError, ServiceException
from moto.ec2.models import ec2_backends
from moto.ecr import models as ecr_models
from moto.ecr import responses as ecr_responses
from moto.ecr.exceptions import (
    ImageAlreadyExistsException,
    InvalidParameterException,
)
from moto.ecs import models as ecs_models
from moto.ecs import responses as ecs_responses
from moto.iam.models import iam_backends
from moto.sts import models as sts_models
from moto.inspector2 import models as inspector_models
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition
from moto.inspector2 import responses as inspector_responses
from moto.inspector2 import urls as inspector_urls
from moto.core.responses import ActionResult

ecr_backends = ecr_models.ecr_backends
ecs_backends = ecs_models.ecs_backends
inspector2_backends = inspector_models.inspector2_backends


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 string or epoch seconds to an aware datetime; None stays None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------------
# ECR
# ---------------------------------------------------------------------------


class ImageTagAlreadyExistsException(ServiceException):
    code = "ImageTagAlreadyExistsException"


class ImageDigestDoesNotMatchException(ServiceException):
    code = "ImageDigestDoesNotMatchException"


class EcrRepositoryNotFound(ServiceException):
    code = "RepositoryNotFoundException"


_original_image_init = ecr_models.Image.__init__


def _image_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_image_init(self, *args, **kwargs)
    # Fields AWS returns in ImageDetail that moto never sets (patch a).
    self.image_pushed_at = datetime.now(timezone.utc)
    self.last_recorded_pull_time = None
    self.image_status = "ACTIVE"
    self.last_archived_at = None
    self.last_activated_at = None
    self.subject_manifest_digest = None
    self.artifact_media_type = None
    try:
        parsed = json.loads(self.image_manifest)
    except (TypeError, ValueError):
        parsed = {}
    if isinstance(parsed, dict):
        subject = parsed.get("subject")
        if isinstance(subject, dict):
            self.subject_manifest_digest = subject.get("digest")
        config = parsed.get("config")
        # ECR reports the artifact type, else the config media type, as artifactMediaType.
        if parsed.get("artifactType"):
            self.artifact_media_type = parsed["artifactType"]
        elif isinstance(config, dict):
            self.artifact_media_type = config.get("mediaType")


def _image_size(self: Any) -> int | None:
    # AWS: sum of layer sizes (compressed); moto returned the config size.
    try:
        parsed = json.loads(self.image_manifest)
    except ValueError:
        return None
    layers = parsed.get("layers") if isinstance(parsed, dict) else None
    if not isinstance(layers, list):
        return None
    return sum(int(layer.get("size", 0)) for layer in layers if isinstance(layer, dict))


def _image_remove_tag(self: Any, tag: str) -> None:
    if tag is not None and tag in self.image_tags:
        self.image_tags.remove(tag)
    # moto kept the removed tag as image_tag of an untagged image, leaking it into responses.
    self.image_tag = self.image_tags[-1] if self.image_tags else None


def _image_update_tag(self: Any, tag: str | None) -> None:
    if tag is None:
        return
    self.image_tag = tag
    if tag not in self.image_tags:
        self.image_tags.append(tag)


ecr_models.Image.__init__ = _image_init  # type: ignore[method-assign]
ecr_models.Image.get_image_size_in_bytes = _image_size  # type: ignore[method-assign]
ecr_models.Image.remove_tag = _image_remove_tag  # type: ignore[method-assign]
ecr_models.Image.update_tag = _image_update_tag  # type: ignore[method-assign]


def _wildcard(pattern: str, value: str) -> bool:
    # Exclusion filters are WILDCARD patterns, with the rule of ecr-keeper's one matcher
    # (`globMatches`, src/lib/policy/match.ts): the whole tag, `*` any run of characters, every
    # other character literal (fnmatch would also read `?` and `[...]`), case-sensitive.
    # moto used re.match.
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value, re.DOTALL) is not None


def _tag_is_immutable(repository: Any, tag: str) -> bool:
    mutability = str(getattr(repository.image_tag_mutability, "value", repository.image_tag_mutability))
    filters = repository.image_tag_mutability_exclusion_filters or []
    excluded = any(_wildcard(f.get("filter", ""), tag) for f in filters)
    if mutability == "IMMUTABLE":
        return True
    if mutability == "IMMUTABLE_WITH_EXCLUSION":
        return not excluded
    if mutability == "MUTABLE_WITH_EXCLUSION":
        return excluded
    return False


def _get_repository_or_raise(backend: Any, name: str, registry_id: str | None = None) -> Any:
    repository = backend.repositories.get(name)
    if repository is None or (registry_id and repository.registry_id != registry_id):
        raise EcrRepositoryNotFound(
            f"The repository with name '{name}' does not exist in the registry "
            f"with id '{registry_id or backend.account_id}'"
        )
    return repository


def _put_image(
    self: Any,
    repository_name: str,
    image_manifest: str,
    image_tag: str | None,
    image_manifest_mediatype: str | None = None,
    digest: str | None = None,
) -> Any:
    """PutImage as AWS does it (patch e).

    - the digest is sha256 of the exact manifest bytes (moto hashed the layer digests);
    - a given imageDigest that does not match is refused;
    - a tag held by another image moves in a mutable repository and leaves that image
      untagged (moto deleted it), and raises ImageTagAlreadyExistsException when immutable.
    """
    repository = _get_repository_or_raise(self, repository_name)
    try:
        parsed = json.loads(image_manifest)
    except ValueError:
        raise InvalidParameterException(
            "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'"
        )
    if not image_manifest_mediatype:
        if not isinstance(parsed, dict) or "mediaType" not in parsed:
            raise InvalidParameterException("image manifest mediatype not provided in manifest or parameter")
        image_manifest_mediatype = parsed["mediaType"]

    actual = "sha256:" + hashlib.sha256(image_manifest.encode("utf-8")).hexdigest()
    if digest and digest != actual:
        raise ImageDigestDoesNotMatchException(
            f"Invalid parameter at 'imageDigest' failed to satisfy constraint: "
            f"'Provided digest {digest} does not match the digest of the manifest {actual}'"
        )

    existing = next((i for i in repository.images if i.get_image_digest() == actual), None)
    holder = (
        next((i for i in repository.images if image_tag in i.image_tags), None) if image_tag else None
    )
    if existing is not None and (image_tag is None or image_tag in existing.image_tags):
        raise ImageAlreadyExistsException(
            registry_id=repository.registry_id,
            image_tag=image_tag or "null",
            digest=actual,
            repository_name=repository_name,
        )
    if holder is not None and holder is not existing:
        if _tag_is_immutable(repository, image_tag or ""):
            raise ImageTagAlreadyExistsException(
                f"The image tag '{image_tag}' already exists in the '{repository_name}' repository "
                f"and cannot be overwritten because the tag is immutable."
            )
        holder.remove_tag(image_tag)

    if existing is not None:
        existing.update_tag(image_tag)
        return existing
    image = ecr_models.Image(
        self.account_id,
        image_tag,
        image_manifest,
        repository_name,
        image_manifest_mediatype,
        actual,
        repository.registry_id,
    )
    repository.images.append(image)
    return image


def _describe_images(
    self: Any,
    repository_name: str,
    registry_id: str | None = None,
    image_ids: list[dict[str, str]] | None = None,
    image_filter: dict[str, str] | None = None,
) -> list[Any]:
    """DescribeImages honouring filter.tagStatus and filter.imageStatus (patch b)."""
    repository = _get_repository_or_raise(self, repository_name, registry_id)
    if image_ids:
        found: list[Any] = []
        for image_id in image_ids:
            image = repository._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
            if image not in found:
                found.append(image)
        return found
    image_filter = image_filter or {}
    tag_status = image_filter.get("tagStatus", "ANY")
    # AWS: only ACTIVE images unless filter.imageStatus says otherwise.
    image_status = image_filter.get("imageStatus", "ACTIVE")
    result = []
    for image in repository.images:
        if tag_status == "TAGGED" and not image.image_tags:
            continue
        if tag_status == "UNTAGGED" and image.image_tags:
            continue
        if image_status != "ANY" and image.image_status != image_status:
            continue
        result.append(image)
    return result


def _describe_images_response(self: Any) -> ActionResult:
    images = self.ecr_backend.describe_images(
        self._get_param("repositoryName"),
        self._get_param("registryId"),
        self._get_param("imageIds"),
        self._get_param("filter"),
    )
    details = []
    for image in images:
        detail: dict[str, Any] = {
            "registryId": image.registry_id,
            "repositoryName": image.repository_name,
            "imageDigest": image.get_image_digest(),
            "imagePushedAt": image.image_pushed_at,
            "imageManifestMediaType": image.image_manifest_media_type,
            "imageStatus": image.image_status,
        }
        # AWS omits imageTags for an untagged image.
        if image.image_tags:
            detail["imageTags"] = list(image.image_tags)
        for key, value in (
            ("imageSizeInBytes", image.get_image_size_in_bytes()),
            ("artifactMediaType", image.artifact_media_type),
            ("lastRecordedPullTime", image.last_recorded_pull_time),
            ("subjectManifestDigest", image.subject_manifest_digest),
            ("lastArchivedAt", image.last_archived_at),
            ("lastActivatedAt", image.last_activated_at),
        ):
            if value is not None:
                detail[key] = value
        details.append(detail)
    return ActionResult({"imageDetails": details})


def _batch_get_image(
    self: Any,
    repository_name: str,
    registry_id: str | None = None,
    image_ids: list[dict[str, Any]] | None = None,
    accepted_media_types: list[str] | None = None,
) -> dict[str, Any]:
    """BatchGetImage matching digest AND tag, echoing the requested imageId, with the stored bytes."""
    repository = _get_repository_or_raise(self, repository_name, registry_id)
    response: dict[str, Any] = {"images": [], "failures": []}
    for image_id in image_ids or []:
        want_digest = image_id.get("imageDigest")
        want_tag = image_id.get("imageTag")
        if not want_digest and not want_tag:
            response["failures"].append(
                {
                    "imageId": {},
                    "failureCode": "MissingDigestAndTag",
                    "failureReason": "Invalid request parameters: both tag and digest cannot be null",
                }
            )
            continue
        match = next(
            (
                i
                for i in repository.images
                if (not want_digest or i.get_image_digest() == want_digest)
                and (not want_tag or want_tag in i.image_tags)
            ),
            None,
        )
        if match is None:
            digest_exists = want_digest and any(i.get_image_digest() == want_digest for i in repository.images)
            response["failures"].append(
                {
                    "imageId": dict(image_id),
                    "failureCode": "ImageTagDoesNotMatchDigest" if digest_exists and want_tag else "ImageNotFound",
                    "failureReason": "Requested image not found",
                }
            )
            continue
        echoed = {"imageDigest": match.get_image_digest()}
        if want_tag:
            echoed["imageTag"] = want_tag
        response["images"].append(
            {
                "registryId": repository.registry_id,
                "repositoryName": repository_name,
                "imageId": echoed,
                "imageManifest": match.image_manifest,
                "imageManifestMediaType": match.image_manifest_media_type,
            }
        )
    return response


def _batch_get_image_response(self: Any) -> ActionResult:
    return ActionResult(
        self.ecr_backend.batch_get_image(
            self._get_param("repositoryName"),
            self._get_param("registryId"),
            self._get_param("imageIds"),
            self._get_param("acceptedMediaTypes"),
        )
    )


ecr_models.ECRBackend.put_image = _put_image  # type: ignore[method-assign]
ecr_models.ECRBackend.describe_images = _describe_images  # type: ignore[method-assign,assignment]
ecr_models.ECRBackend.batch_get_image = _batch_get_image  # type: ignore[method-assign]
ecr_responses.ECRResponse.describe_images = _describe_images_response  # type: ignore[method-assign]
ecr_responses.ECRResponse.batch_get_image = _batch_get_image_response  # type: ignore[method-assign]


def _find_ecr_image(account_id: str, region: str, repository_name: str, digest: str) -> Any:
    repository = ecr_backends[account_id][region].repositories.get(repository_name)
    if repository is None:
        raise ControlError(404, f"no repository {repository_name} in {account_id}/{region}")
    image = next((i for i in repository.images if i.get_image_digest() == digest), None)
    if image is None:
        raise ControlError(404, f"no image {digest} in {repository_name}")
    return image



# ---------------------------------------------------------------------------
# Resource Groups Tagging API: ECR repositories (patch k)
# ---------------------------------------------------------------------------
# moto 5.2.1's GetResources knows no ECR resource: `ResourceTypeFilters: ["ecr:repository"]` returns
# an empty list, which a caller would read as "no repository has a tag". AWS returns every tagged
# repository of the region with its tags; a repository without tags does not appear.
from moto.resourcegroupstaggingapi import models as tagging_models  # noqa: E402

_original_get_resources_generator = tagging_models.ResourceGroupsTaggingAPIBackend._get_resources_generator


def _tag_filters_match(tags: list[dict[str, str]], tag_filters: list[dict[str, Any]] | None) -> bool:
    # Filters are ANDed; within one filter the values are ORed; no values means "has the key".
    for tag_filter in tag_filters or []:
        key, values = tag_filter.get("Key"), tag_filter.get("Values") or []
        if not any(t["Key"] == key and (not values or t["Value"] in values) for t in tags):
            return False
    return True


def _get_resources_generator(
    self: Any, tag_filters: list[dict[str, Any]] | None = None, resource_type_filters: list[str] | None = None
) -> Any:
    if not resource_type_filters or "ecr" in resource_type_filters or "ecr:repository" in resource_type_filters:
        backend = ecr_backends[self.account_id][self.region_name]
        for repository in backend.repositories.values():
            tags = backend.tagger.list_tags_for_resource(repository.arn)["tags"]
            if tags and _tag_filters_match(tags, tag_filters):
                yield {"ResourceARN": repository.arn, "Tags": tags}
    yield from _original_get_resources_generator(self, tag_filters=tag_filters, resource_type_filters=resource_type_filters)


tagging_models.ResourceGroupsTaggingAPIBackend._get_resources_generator = _get_resources_generator  # type: ignore[method-assign]

# ---------------------------------------------------------------------------
# ECS
# ---------------------------------------------------------------------------

ECR_IMAGE = re.compile(
    r"^(?P<registry>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def resolve_ecr_digest(image: str | None) -> str | None:
    """Digest the image string resolves to in the ECR backend now; None for non-ECR or missing images."""
    match = ECR_IMAGE.match(image or "")
    if not match:
        return None
    try:
        backend = ecr_backends[match["registry"]][match["region"]]
    except Exception:  # noqa: BLE001 - unknown region: not resolvable
        return None
    repository = backend.repositories.get(match["repository"])
    if repository is None:
        return None
    if match["digest"]:
        found = any(i.get_image_digest() == match["digest"] for i in repository.images)
        return match["digest"] if found else None
    tag = match["tag"] or "latest"
    holder = next((i for i in repository.images if tag in i.image_tags), None)
    return holder.get_image_digest() if holder else None


_original_task_init = ecs_models.Task.__init__


def _task_init(self: Any, cluster: Any, task_definition: Any, *args: Any, **kwargs: Any) -> None:
    _original_task_init(self, cluster, task_definition, *args, **kwargs)
    # moto reported the first container only, without digest (patch c); the digest is
    # resolved when the task starts, as the agent pulls it then.
    containers = []
    for definition in task_definition.container_definitions:
        container = ecs_models.Container(task_definition)
        container.name = definition.get("name")
        container.image = definition.get("image")
        container.cpu = definition.get("cpu")
        container.memory = definition.get("memory")
        container.environment = definition.get("environment")
        container.command = definition.get("command")
        container.image_digest = resolve_ecr_digest(container.image)
        container.last_status = "RUNNING"
        containers.append(container)
    self.containers = containers
    partition_and_prefix = self.task_arn.split(":task/")[0]
    for container in self.containers:
        container.task_arn = self.task_arn
        # AWS: arn:...:container/CLUSTER/TASK_ID/UUID (moto hung it off the task definition ARN).
        container.container_arn = (
            f"{partition_and_prefix}:container/{self.cluster_name}/{self.id}/{container.container_arn.rsplit('/', 1)[-1]}"
        )


def _ecs_describe_tasks(self: Any, cluster_str: str, tasks: list[str]) -> list[Any]:
    """Only tasks of the named cluster (moto searched every cluster)."""
    cluster = self._get_cluster(cluster_str)
    if not tasks:
        raise ecs_models.InvalidParameterException("Tasks cannot be empty.")
    result = []
    for task_arn, task in self.tasks.get(cluster.name, {}).items():
        if any(wanted == task_arn or wanted == task.id for wanted in tasks):
            task.advance()
            result.append(task)
    return result


def _ecs_describe_tasks_response(self: Any) -> ActionResult:
    cluster = self._get_param("cluster", "default")
    wanted = self._get_param("tasks", [])
    tasks = self.ecs_backend.describe_tasks(cluster, wanted)
    if "TAGS" in self._get_param("include", []):
        self._include_in_response(ecs_responses.DESCRIBE_TASKS_TAGS)
    else:
        self._exclude_from_response(ecs_responses.DESCRIBE_TASKS_TAGS)
    found = {t.task_arn for t in tasks} | {t.id for t in tasks}
    # AWS reports unknown tasks in failures[] instead of dropping them.
    failures = [{"arn": w, "reason": "MISSING"} for w in wanted if w not in found]
    return ActionResult({"tasks": tasks, "failures": failures})


_original_list_tasks = ecs_models.EC2ContainerServiceBackend.list_tasks


def _ecs_list_tasks(
    self: Any,
    cluster_str: str | None = None,
    container_instance: str | None = None,
    family: str | None = None,
    started_by: str | None = None,
    service_name: str | None = None,
    desiredStatus: str | None = None,
) -> list[Any]:
    """ListTasks: exact cluster match, serviceName via group, RUNNING by default as in AWS."""
    tasks = _original_list_tasks(
        self, None, container_instance, family, started_by, None, desiredStatus or "RUNNING"
    )
    if cluster_str:
        cluster = self._get_cluster(cluster_str)
        tasks = [t for t in tasks if t.cluster_arn == cluster.arn]
    if service_name:
        name = service_name.split("/")[-1]
        tasks = [t for t in tasks if t.group == f"service:{name}"]
    return tasks


def _task_resource_requirements(task_definition: Any) -> dict[str, Any]:
    """Container memory is optional when the task sets it (Fargate); moto crashed with a 500."""
    requirements: dict[str, Any] = {"CPU": 0, "MEMORY": 0, "PORTS": [], "PORTS_UDP": []}
    for definition in task_definition.container_definitions:
        requirements["CPU"] += int(definition.get("cpu") or 0)
        requirements["MEMORY"] += int(definition.get("memory") or definition.get("memoryReservation") or 0)
        for mapping in definition.get("portMappings") or []:
            if "hostPort" in mapping:
                requirements["PORTS"].append(mapping["hostPort"])
    if requirements["MEMORY"] == 0 and task_definition.memory:
        requirements["MEMORY"] = int(task_definition.memory)
    if requirements["CPU"] == 0 and task_definition.cpu:
        requirements["CPU"] = int(task_definition.cpu)
    return requirements


ecs_models.Task.__init__ = _task_init  # type: ignore[method-assign]
ecs_models.EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(_task_resource_requirements)  # type: ignore[method-assign,assignment]
ecs_models.EC2ContainerServiceBackend.describe_tasks = _ecs_describe_tasks  # type: ignore[method-assign]
ecs_models.EC2ContainerServiceBackend.list_tasks = _ecs_list_tasks  # type: ignore[method-assign]
ecs_responses.EC2ContainerServiceResponse.describe_tasks = _ecs_describe_tasks_response  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# ECS service revisions and service deployments (software version consistency)
# ---------------------------------------------------------------------------
# moto 5.2.1 has no DescribeServiceRevisions / ListServiceDeployments / DescribeServiceDeployments
# (HTTP 500) and no Service.currentServiceRevisions. AWS pins each container's image digest in a
# service revision when a deployment starts (CreateService, UpdateService with a new task
# definition or forceNewDeployment); a service scaled to zero or rolling back pulls that digest.
# moto has no rollout: every deployment is SUCCESSFUL at once unless the control route
# /ecs/deployment-status says otherwise. State lives on the ECS backend, so /moto-api/reset clears it.

DEPLOYMENT_STATUSES = (
    "PENDING",
    "SUCCESSFUL",
    "STOPPED",
    "STOP_REQUESTED",
    "IN_PROGRESS",
    "ROLLBACK_REQUESTED",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_SUCCESSFUL",
    "ROLLBACK_FAILED",
)
DEPLOYMENT_FINISHED = {"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}
DEPLOYMENT_ROLLING_BACK = {"ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}
# DescribeServiceRevisions / DescribeServiceDeployments take 1..20 ARNs; ListServiceDeployments
# pages 1..100 (20 when maxResults is not given).
MAX_DESCRIBE_REVISION_ARNS = 20
LIST_DEPLOYMENTS_DEFAULT = 20
LIST_DEPLOYMENTS_MAX = 100
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class _RevisionStore:
    """Revisions and deployments of one ECS backend (account + region), in creation order."""

    def __init__(self) -> None:
        self.revisions: dict[str, dict[str, Any]] = {}
        self.deployments: dict[str, dict[str, Any]] = {}
        self.last_time: datetime | None = None

    def now(self) -> datetime:
        # Strictly increasing to the millisecond (the wire precision), so "newest" is never a tie.
        now = datetime.now(timezone.utc)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if self.last_time is not None and now <= self.last_time:
            now = self.last_time + timedelta(milliseconds=1)
        self.last_time = now
        return now


def _store(backend: Any) -> _RevisionStore:
    store = backend.__dict__.get("_ecr_keeper_revisions")
    if store is None:
        store = _RevisionStore()
        backend.__dict__["_ecr_keeper_revisions"] = store
    return store


def _service_deployments(backend: Any, service: Any) -> list[dict[str, Any]]:
    """Deployments of one service, newest first."""
    found = [d for d in _store(backend).deployments.values() if d["serviceArn"] == service.arn]
    return list(reversed(found))


def _current_revision_arns(backend: Any, service: Any) -> list[str]:
    """Revisions with (or about to have) running tasks, primary first, as AWS lists them."""
    deployments = _service_deployments(backend, service)
    if not deployments:
        return []
    newest = deployments[0]
    target = newest["targetServiceRevision"]
    sources = [s for s in newest["sourceServiceRevisions"] if s != target]
    if newest["status"] == "SUCCESSFUL":
        arns = [target]
    elif newest["status"] == "ROLLBACK_SUCCESSFUL":
        arns = sources or [target]
    elif newest["status"] in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"):
        arns = sources + [target]
    else:
        # In flight, STOPPED or ROLLBACK_FAILED: tasks of both sides may run.
        arns = [target] + sources
    return list(dict.fromkeys(arns))


def _revision_summary(backend: Any, service: Any, revision_arn: str, primary: bool) -> dict[str, Any]:
    """ServiceRevisionSummary: task counts of the service's tasks on this revision's task definition."""
    store = _store(backend)
    revision = store.revisions.get(revision_arn)
    running = pending = 0
    if revision is not None:
        # Tasks carry no revision: attribute them to the newest revision with their task definition.
        same_definition = [
            arn
            for arn, r in store.revisions.items()
            if r["serviceArn"] == service.arn and r["taskDefinition"] == revision["taskDefinition"]
        ]
        if same_definition and same_definition[-1] == revision_arn:
            for task in backend.tasks.get(service.cluster_name, {}).values():
                if task.group != f"service:{service.name}" or task.task_definition_arn != revision["taskDefinition"]:
                    continue
                if task.desired_status != "RUNNING":
                    continue
                if task.last_status == "RUNNING":
                    running += 1
                elif task.last_status in ("PROVISIONING", "PENDING", "ACTIVATING"):
                    pending += 1
    return {
        "arn": revision_arn,
        "requestedTaskCount": int(service.desired_count or 0) if primary else 0,
        "runningTaskCount": running,
        "pendingTaskCount": pending,
    }


def _service_current_revisions(self: Any) -> list[dict[str, Any]] | None:
    arns = _current_revision_arns(self._backend, self)
    if not arns:
        return None
    return [_revision_summary(self._backend, self, arn, index == 0) for index, arn in enumerate(arns)]


def _service_current_deployment(self: Any) -> str | None:
    deployments = _service_deployments(self._backend, self)
    return deployments[0]["serviceDeploymentArn"] if deployments else None


def _record_deployment(backend: Any, service: Any) -> dict[str, Any]:
    """New service revision (digests resolved from ECR now) and a deployment from the current ones."""
    store = _store(backend)
    task_definition = backend.describe_task_definition(service.task_definition)
    prefix = f"arn:{get_partition(backend.region_name)}:ecs:{backend.region_name}:{backend.account_id}"
    sources = _current_revision_arns(backend, service)
    now = store.now()

    revision_id = str(mock_random.randint(10**18, 10**19 - 1))
    revision_arn = f"{prefix}:service-revision/{service.cluster_name}/{service.name}/{revision_id}"
    container_images = []
    for definition in task_definition.container_definitions:
        image: dict[str, Any] = {"containerName": definition.get("name"), "image": definition.get("image")}
        # Same resolution as a task start: what the tag (or digest) points to in ECR right now.
        digest = resolve_ecr_digest(definition.get("image"))
        if digest is not None:
            image["imageDigest"] = digest
        container_images.append(image)
    revision: dict[str, Any] = {
        "serviceRevisionArn": revision_arn,
        "serviceArn": service.arn,
        "clusterArn": service.cluster_arn,
        "taskDefinition": task_definition.arn,
        "launchType": service.launch_type,
        "containerImages": container_images,
        "guardDutyEnabled": False,
        "createdAt": now,
    }
    if service.platform_version:
        revision["platformVersion"] = service.platform_version
    if service.launch_type == "FARGATE":
        revision["platformFamily"] = "Linux"
    if service.network_configuration:
        revision["networkConfiguration"] = service.network_configuration
    if service.load_balancers:
        revision["loadBalancers"] = service.load_balancers
    if service.service_registries:
        revision["serviceRegistries"] = service.service_registries
    store.revisions[revision_arn] = revision

    deployment_id = "".join(mock_random.choice(_ID_ALPHABET) for _ in range(21))
    deployment = {
        "serviceDeploymentArn": f"{prefix}:service-deployment/{service.cluster_name}/{service.name}/{deployment_id}",
        "serviceArn": service.arn,
        "clusterArn": service.cluster_arn,
        "createdAt": now,
        "startedAt": now,
        "updatedAt": now,
        "finishedAt": now,
        "sourceServiceRevisions": sources,
        "targetServiceRevision": revision_arn,
        "status": "SUCCESSFUL",
        "statusReason": "Emulator: no rollout, the deployment completes at once.",
    }
    store.deployments[deployment["serviceDeploymentArn"]] = deployment
    return deployment


def _service_for_deployment(backend: Any, deployment: dict[str, Any]) -> Any:
    return next((s for s in backend.services.values() if s.arn == deployment["serviceArn"]), None)


def _deployment_view(backend: Any, deployment: dict[str, Any]) -> dict[str, Any]:
    """ServiceDeployment as DescribeServiceDeployments returns it (revision summaries live)."""
    service = _service_for_deployment(backend, deployment)
    rolling_back = deployment["status"] in DEPLOYMENT_ROLLING_BACK

    def summary(arn: str, primary: bool) -> dict[str, Any]:
        if service is None:
            return {"arn": arn, "requestedTaskCount": 0, "runningTaskCount": 0, "pendingTaskCount": 0}
        return _revision_summary(backend, service, arn, primary)

    view = {k: v for k, v in deployment.items() if k not in ("sourceServiceRevisions", "targetServiceRevision")}
    view["sourceServiceRevisions"] = [summary(arn, rolling_back) for arn in deployment["sourceServiceRevisions"]]
    view["targetServiceRevision"] = summary(deployment["targetServiceRevision"], not rolling_back)
    return view


def _deployment_brief(deployment: dict[str, Any]) -> dict[str, Any]:
    brief = {
        k: deployment[k]
        for k in ("serviceDeploymentArn", "serviceArn", "clusterArn", "createdAt", "startedAt", "finishedAt", "status", "statusReason")
        if deployment.get(k) is not None
    }
    brief["targetServiceRevisionArn"] = deployment["targetServiceRevision"]
    return brief


def _check_arn_count(arns: Any, name: str) -> list[str]:
    if not isinstance(arns, list) or not 1 <= len(arns) <= MAX_DESCRIBE_REVISION_ARNS:
        raise ecs_models.InvalidParameterException(
            f"{name} must contain between 1 and {MAX_DESCRIBE_REVISION_ARNS} ARNs."
        )
    return arns


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
    return parse_time(value)


_original_create_service = ecs_models.EC2ContainerServiceBackend.create_service
_original_update_service = ecs_models.EC2ContainerServiceBackend.update_service


def _ecs_create_service(self: Any, *args: Any, **kwargs: Any) -> Any:
    service = _original_create_service(self, *args, **kwargs)
    if service.task_definition:
        _record_deployment(self, service)
    return service


def _ecs_update_service(self: Any, service_properties: dict[str, Any]) -> Any:
    """UpdateService; a new task definition or forceNewDeployment starts a deployment, as in AWS."""
    cluster_str = service_properties.get("cluster", "default")
    before = self._get_service(cluster_str, str(service_properties.get("service", "")).split("/")[-1])
    previous = before.task_definition
    wanted = service_properties.get("task_definition")
    force = bool(service_properties.get("force_new_deployment"))
    resolved = self.describe_task_definition(wanted).arn if wanted else None
    service = _original_update_service(self, service_properties)
    if resolved is not None:
        # moto stored the string as given (`family:3`); AWS reports the full ARN.
        service.task_definition = resolved
    if service.task_definition and ((resolved is not None and resolved != previous) or force):
        _record_deployment(self, service)
    return service


def _ecs_describe_service_revisions_response(self: Any) -> ActionResult:
    arns = _check_arn_count(self._get_param("serviceRevisionArns"), "serviceRevisionArns")
    store = _store(self.ecs_backend)
    revisions, failures = [], []
    for arn in arns:
        revision = store.revisions.get(arn)
        if revision is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            revisions.append(revision)
    return ActionResult({"serviceRevisions": revisions, "failures": failures})


def _ecs_describe_service_deployments_response(self: Any) -> ActionResult:
    arns = _check_arn_count(self._get_param("serviceDeploymentArns"), "serviceDeploymentArns")
    backend = self.ecs_backend
    store = _store(backend)
    deployments, failures = [], []
    for arn in arns:
        deployment = store.deployments.get(arn)
        if deployment is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            deployments.append(_deployment_view(backend, deployment))
    return ActionResult({"serviceDeployments": deployments, "failures": failures})


def _ecs_list_service_deployments_response(self: Any) -> ActionResult:
    backend = self.ecs_backend
    service = backend._get_service(self._get_param("cluster", "default"), str(self._get_param("service") or "").split("/")[-1])
    statuses = self._get_param("status") or []
    created = self._get_param("createdAt") or {}
    before, after = _as_datetime(created.get("before")), _as_datetime(created.get("after"))
    max_results = self._get_param("maxResults")
    size = LIST_DEPLOYMENTS_DEFAULT if max_results is None else int(max_results)
    if not 1 <= size <= LIST_DEPLOYMENTS_MAX:
        raise ecs_models.InvalidParameterException(f"maxResults must be between 1 and {LIST_DEPLOYMENTS_MAX}.")
    matching = [
        d
        for d in _service_deployments(backend, service)
        if (not statuses or d["status"] in statuses)
        and (before is None or d["createdAt"] < before)
        and (after is None or d["createdAt"] > after)
    ]
    token = self._get_param("nextToken")
    try:
        start = int(token) if token else 0
    except ValueError:
        raise ecs_models.InvalidParameterException("Invalid nextToken.")
    page = matching[start : start + size]
    body: dict[str, Any] = {"serviceDeployments": [_deployment_brief(d) for d in page]}
    if start + size < len(matching):
        body["nextToken"] = str(start + size)
    return ActionResult(body)


ecs_models.Service.current_service_revisions = property(_service_current_revisions)  # type: ignore[attr-defined]
ecs_models.Service.current_service_deployment = property(_service_current_deployment)  # type: ignore[attr-defined]
ecs_models.EC2ContainerServiceBackend.create_service = _ecs_create_service  # type: ignore[method-assign]
ecs_models.EC2ContainerServiceBackend.update_service = _ecs_update_service  # type: ignore[method-assign]
ecs_responses.EC2ContainerServiceResponse.describe_service_revisions = _ecs_describe_service_revisions_response  # type: ignore[attr-defined]
ecs_responses.EC2ContainerServiceResponse.describe_service_deployments = _ecs_describe_service_deployments_response  # type: ignore[attr-defined]
ecs_responses.EC2ContainerServiceResponse.list_service_deployments = _ecs_list_service_deployments_response  # type: ignore[attr-defined]


def control_deployment_status(body: dict[str, Any]) -> dict[str, Any]:
    """Sets the status of a service's newest deployment (or of `serviceDeploymentArn`): rollouts, rollbacks."""
    backend = ecs_backends[body.get("accountId", DEFAULT_ACCOUNT)][body.get("region", DEFAULT_REGION)]
    cluster = _require(body, "cluster")
    name = str(_require(body, "service")).split("/")[-1]
    try:
        service = backend._get_service(cluster, name)
    except (ecs_models.ClusterNotFoundException, ecs_models.ServiceNotFoundException):
        raise ControlError(404, f"no service {name} in cluster {cluster}")
    status = _require(body, "status")
    if status not in DEPLOYMENT_STATUSES:
        raise ControlError(400, f"status must be one of {', '.join(DEPLOYMENT_STATUSES)}, not {status!r}")
    deployments = _service_deployments(backend, service)
    wanted = body.get("serviceDeploymentArn")
    if wanted:
        deployment = next((d for d in deployments if d["serviceDeploymentArn"] == wanted), None)
    else:
        deployment = deployments[0] if deployments else None
    if deployment is None:
        raise ControlError(404, f"no deployment {wanted or '(none yet)'} of service {service.name}")
    now = _store(backend).now()
    deployment["status"] = status
    deployment["updatedAt"] = now
    deployment["statusReason"] = body.get("statusReason") or f"Emulator: status set to {status}."
    deployment.pop("stoppedAt", None)
    if status in DEPLOYMENT_FINISHED:
        deployment["finishedAt"] = now
    else:
        deployment.pop("finishedAt", None)
    if status == "STOPPED":
        deployment["stoppedAt"] = now
    sources = deployment["sourceServiceRevisions"]
    if status in DEPLOYMENT_ROLLING_BACK and sources:
        deployment["rollback"] = {"reason": deployment["statusReason"], "startedAt": now, "serviceRevisionArn": sources[0]}
        if status == "ROLLBACK_SUCCESSFUL":
            # AWS returns the service to the source revision's task definition.
            service.task_definition = _store(backend).revisions[sources[0]]["taskDefinition"]
    else:
        deployment.pop("rollback", None)
    return {"serviceDeploymentArn": deployment["serviceDeploymentArn"], "status": status}


def control_legacy_service(body: dict[str, Any]) -> dict[str, Any]:
    """Forgets a service's revisions and deployments: a service last deployed before 25 October 2024.

    AWS describes no revision or deployment from before then, so such a service (often one scaled to
    zero and left alone) has no currentServiceRevisions and an empty ListServiceDeployments; only its
    taskDefinition says what it would run. Patch h records a revision at every CreateService, so
    without this route the emulator has no such service. Later deployments record revisions again.
    """
    backend = ecs_backends[body.get("accountId", DEFAULT_ACCOUNT)][body.get("region", DEFAULT_REGION)]
    cluster = _require(body, "cluster")
    name = str(_require(body, "service")).split("/")[-1]
    try:
        service = backend._get_service(cluster, name)
    except (ecs_models.ClusterNotFoundException, ecs_models.ServiceNotFoundException):
        raise ControlError(404, f"no service {name} in cluster {cluster}")
    store = _store(backend)
    revisions = [arn for arn, r in store.revisions.items() if r["serviceArn"] == service.arn]
    deployments = [arn for arn, d in store.deployments.items() if d["serviceArn"] == service.arn]
    for arn in revisions:
        del store.revisions[arn]
    for arn in deployments:
        del store.deployments[arn]
    return {"serviceArn": service.arn, "revisions": revisions, "deployments": deployments}


# ---------------------------------------------------------------------------
# Inspector2
# ---------------------------------------------------------------------------


class InspectorValidationException(JsonRESTError):
    def __init__(self, message: str):
        super().__init__("ValidationException", message)


def _finding_values(finding: dict[str, Any], key: str) -> list[str]:
    resource = (finding.get("resources") or [{}])[0]
    image = (resource.get("details") or {}).get("awsEcrContainerImage") or {}
    if key == "resourceType":
        return [resource.get("type", "")]
    if key == "ecrImageRepositoryName":
        return [image.get("repositoryName", "")]
    if key == "ecrImageHash":
        return [image.get("imageHash", "")]
    if key == "ecrImageTags":
        return list(image.get("imageTags") or [])
    if key == "ecrImageRegistry":
        return [image.get("registry", "")]
    if key == "findingStatus":
        return [finding.get("status", "")]
    if key == "severity":
        return [finding.get("severity", "")]
    if key == "findingType":
        return [finding.get("type", "")]
    if key == "awsAccountId":
        return [finding.get("awsAccountId", "")]
    if key == "title":
        return [finding.get("title", "")]
    if key == "findingArn":
        return [finding.get("findingArn", "")]
    raise InspectorValidationException(
        f"emulator: filterCriteria.{key} is not supported (see the README, Testing notes)"
    )


def _string_filter_matches(values: list[str], string_filter: dict[str, str]) -> bool:
    comparison = string_filter.get("comparison")
    wanted = string_filter.get("value", "")
    if comparison == "EQUALS":
        return wanted in values
    if comparison == "PREFIX":
        return any(v.startswith(wanted) for v in values)
    if comparison == "NOT_EQUALS":
        return wanted not in values
    raise InspectorValidationException(f"unknown StringFilter comparison {comparison!r}")


def finding_matches(finding: dict[str, Any], criteria: dict[str, Any]) -> bool:
    """Different keys AND; EQUALS/PREFIX filters of one key OR; NOT_EQUALS filters AND."""
    for key, filters in (criteria or {}).items():
        if not filters:
            continue
        values = _finding_values(finding, key)
        positive = [f for f in filters if f.get("comparison") != "NOT_EQUALS"]
        negative = [f for f in filters if f.get("comparison") == "NOT_EQUALS"]
        if positive and not any(_string_filter_matches(values, f) for f in positive):
            return False
        if not all(_string_filter_matches(values, f) for f in negative):
            return False
    return True


def _inspector_list_findings(
    self: Any,
    filter_criteria: dict[str, Any],
    max_results: Any,
    next_token: str | None,
    sort_criteria: Any,
) -> tuple[list[dict[str, Any]], str | None]:
    """Seeded findings filtered by filterCriteria, paged with an offset token (patch f)."""
    seeded: list[dict[str, Any]] = getattr(self, "seeded_findings", [])
    matching = [f for f in seeded if finding_matches(f, filter_criteria)]
    start = int(next_token) if next_token else 0
    size = int(max_results) if max_results else 50
    page = matching[start : start + size]
    token = str(start + size) if start + size < len(matching) else None
    return page, token


def _inspector_list_findings_response(self: Any) -> str:
    findings, token = self.inspector2_backend.list_findings(
        filter_criteria=self._get_param("filterCriteria"),
        max_results=self._get_param("maxResults"),
        next_token=self._get_param("nextToken"),
        sort_criteria=self._get_param("sortCriteria"),
    )
    body: dict[str, Any] = {"findings": findings}
    if token:
        body["nextToken"] = token
    return json.dumps(body)


inspector_models.Inspector2Backend.list_findings = _inspector_list_findings  # type: ignore[method-assign,assignment]
inspector_responses.Inspector2Response.list_findings = _inspector_list_findings_response  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# ECS task definition families (in-use source "task-definitions", patch i)
# ---------------------------------------------------------------------------
# moto 5.2.1: ListTaskDefinitionFamilies ignores `status` and pagination, ListTaskDefinitions
# ignores `sort` and pagination, and DescribeTaskDefinition of a bare family returns the highest
# revision even when it is INACTIVE. AWS (ECS API reference): families filtered by `status`
# (ACTIVE = has an ACTIVE revision, INACTIVE = has none, absent = all); task definitions sorted by
# family name then revision, ascending unless `sort: DESC`; both paged with `maxResults` 1..100
# (100 when absent) and `nextToken`; a bare family means its latest ACTIVE revision.

TASK_DEFINITION_PAGE_MAX = 100


def _page(items: list[Any], max_results: Any, next_token: Any) -> tuple[list[Any], str | None]:
    size = TASK_DEFINITION_PAGE_MAX if max_results is None else int(max_results)
    if not 1 <= size <= TASK_DEFINITION_PAGE_MAX:
        raise ecs_models.InvalidParameterException(f"maxResults must be between 1 and {TASK_DEFINITION_PAGE_MAX}.")
    try:
        start = int(next_token) if next_token else 0
    except ValueError:
        raise ecs_models.InvalidParameterException("Invalid nextToken.")
    page = items[start : start + size]
    return page, (str(start + size) if start + size < len(items) else None)


def _ecs_describe_task_definition(self: Any, task_definition_str: str) -> Any:
    """A bare family (or an ARN without revision) means its latest ACTIVE revision."""
    name = task_definition_str.split("/")[-1]
    if ":" in name:
        return _original_describe_task_definition(self, task_definition_str)
    revisions = self.task_definitions.get(name, {})
    active = [revision for revision, definition in revisions.items() if definition.status == "ACTIVE"]
    if not active:
        raise ecs_models.TaskDefinitionNotFoundException()
    return revisions[max(active)]


def _ecs_list_task_definition_families_response(self: Any) -> ActionResult:
    prefix = self._get_param("familyPrefix") or ""
    status = self._get_param("status")
    if status not in (None, "ACTIVE", "INACTIVE", "ALL"):
        raise ecs_models.InvalidParameterException(f"Invalid status {status!r}.")
    families = []
    for family, revisions in self.ecs_backend.task_definitions.items():
        if not family.startswith(prefix):
            continue
        has_active = any(d.status == "ACTIVE" for d in revisions.values())
        if (status == "ACTIVE" and not has_active) or (status == "INACTIVE" and has_active):
            continue
        families.append(family)
    page, token = _page(families, self._get_param("maxResults"), self._get_param("nextToken"))
    body: dict[str, Any] = {"families": page}
    if token:
        body["nextToken"] = token
    return ActionResult(body)


def _ecs_list_task_definitions_response(self: Any) -> ActionResult:
    family_prefix = self._get_param("familyPrefix")
    status = self._get_param("status", "ACTIVE")
    sort = self._get_param("sort", "ASC")
    if sort not in ("ASC", "DESC"):
        raise ecs_models.InvalidParameterException(f"Invalid sort {sort!r}.")
    definitions = [
        d
        for family, revisions in self.ecs_backend.task_definitions.items()
        if family_prefix is None or family == family_prefix
        for d in revisions.values()
        if d.status == status
    ]
    definitions.sort(key=lambda d: (d.family, d.revision), reverse=sort == "DESC")
    page, token = _page([d.arn for d in definitions], self._get_param("maxResults"), self._get_param("nextToken"))
    body: dict[str, Any] = {"taskDefinitionArns": page}
    if token:
        body["nextToken"] = token
    return ActionResult(body)


_original_describe_task_definition = ecs_models.EC2ContainerServiceBackend.describe_task_definition
ecs_models.EC2ContainerServiceBackend.describe_task_definition = _ecs_describe_task_definition  # type: ignore[method-assign]
ecs_responses.EC2ContainerServiceResponse.list_task_definition_families = _ecs_list_task_definition_families_response  # type: ignore[method-assign]
ecs_responses.EC2ContainerServiceResponse.list_task_definitions = _ecs_list_task_definitions_response  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# Inspector2 ListCoverage (in-use source "inspector", patch j)
# ---------------------------------------------------------------------------
# moto 5.2.1 has no ListCoverage route (HTTP 404). AWS (Inspector2 API reference, ListCoverage,
# CoverageFilterCriteria, CoveredResource): covered resources filtered by string filters
# (EQUALS / NOT_EQUALS), date filters (startInclusive / endInclusive) and number filters
# (lowerInclusive / upperInclusive), paged with maxResults 1..200 and nextToken. Records are seeded
# with the control route /inspector2/coverage, shaped like real ECR image coverage; a filter key the
# emulator does not implement is a ValidationException naming it, never silently ignored.

COVERAGE_PAGE_MAX = 200
COVERAGE_STRING_KEYS = {
    "resourceType": lambda r: [r.get("resourceType", "")],
    "resourceId": lambda r: [r.get("resourceId", "")],
    "accountId": lambda r: [r.get("accountId", "")],
    "scanType": lambda r: [r.get("scanType", "")],
    "scanStatusCode": lambda r: [(r.get("scanStatus") or {}).get("statusCode", "")],
    "scanStatusReason": lambda r: [(r.get("scanStatus") or {}).get("reason", "")],
    "ecrRepositoryName": lambda r: [((r.get("resourceMetadata") or {}).get("ecrRepository") or {}).get("name", "")],
    "ecrImageTags": lambda r: list(((r.get("resourceMetadata") or {}).get("ecrImage") or {}).get("tags") or []),
}
COVERAGE_DATE_KEYS = {
    "ecrImageLastInUseAt": lambda r: ((r.get("resourceMetadata") or {}).get("ecrImage") or {}).get("lastInUseAt"),
    "imagePulledAt": lambda r: ((r.get("resourceMetadata") or {}).get("ecrImage") or {}).get("imagePulledAt"),
    "lastScannedAt": lambda r: r.get("lastScannedAt"),
}
COVERAGE_NUMBER_KEYS = {
    "ecrImageInUseCount": lambda r: ((r.get("resourceMetadata") or {}).get("ecrImage") or {}).get("inUseCount"),
}


def _coverage_string_matches(values: list[str], string_filter: dict[str, str]) -> bool:
    comparison = string_filter.get("comparison")
    if comparison == "EQUALS":
        return string_filter.get("value", "") in values
    if comparison == "NOT_EQUALS":
        return string_filter.get("value", "") not in values
    raise InspectorValidationException(f"unknown CoverageStringFilter comparison {comparison!r}")


def _date_within(value: Any, date_filter: dict[str, Any]) -> bool:
    moment = parse_time(value)
    start, end = parse_time(date_filter.get("startInclusive")), parse_time(date_filter.get("endInclusive"))
    return moment is not None and (start is None or moment >= start) and (end is None or moment <= end)


def coverage_matches(resource: dict[str, Any], criteria: dict[str, Any]) -> bool:
    """Keys AND; within a key, EQUALS / date / number filters OR, NOT_EQUALS filters AND."""
    for key, filters in (criteria or {}).items():
        if not filters:
            continue
        if key in COVERAGE_STRING_KEYS:
            values = COVERAGE_STRING_KEYS[key](resource)
            positive = [f for f in filters if f.get("comparison") != "NOT_EQUALS"]
            negative = [f for f in filters if f.get("comparison") == "NOT_EQUALS"]
            if positive and not any(_coverage_string_matches(values, f) for f in positive):
                return False
            if not all(_coverage_string_matches(values, f) for f in negative):
                return False
        elif key in COVERAGE_DATE_KEYS:
            value = COVERAGE_DATE_KEYS[key](resource)
            if value is None:
                return False
            if not any(_date_within(value, f) for f in filters):
                return False
        elif key in COVERAGE_NUMBER_KEYS:
            value = COVERAGE_NUMBER_KEYS[key](resource)
            if value is None:
                return False
            if not any(
                (f.get("lowerInclusive") is None or value >= f["lowerInclusive"])
                and (f.get("upperInclusive") is None or value <= f["upperInclusive"])
                for f in filters
            ):
                return False
        else:
            raise InspectorValidationException(
                f"emulator: filterCriteria.{key} is not supported by ListCoverage (see the README, Testing notes)"
            )
    return True


def _inspector_list_coverage_response(self: Any) -> str:
    seeded: list[dict[str, Any]] = getattr(self.inspector2_backend, "seeded_coverage", [])
    matching = [r for r in seeded if coverage_matches(r, self._get_param("filterCriteria") or {})]
    max_results = self._get_param("maxResults")
    size = COVERAGE_PAGE_MAX if max_results is None else int(max_results)
    if not 1 <= size <= COVERAGE_PAGE_MAX:
        raise InspectorValidationException(f"maxResults must be between 1 and {COVERAGE_PAGE_MAX}")
    token = self._get_param("nextToken")
    start = int(token) if token else 0
    body: dict[str, Any] = {"coveredResources": matching[start : start + size]}
    if start + size < len(matching):
        body["nextToken"] = str(start + size)
    return json.dumps(body)


inspector_urls.url_paths["{0}/coverage/list$"] = inspector_responses.Inspector2Response.dispatch
inspector_responses.Inspector2Response.list_coverage = _inspector_list_coverage_response  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------
# Lambda (container images) and Batch job definitions: the in-use sources beyond ECS
# ---------------------------------------------------------------------------


def _lambda_set_function_code(self: Any, updated_spec: dict[str, Any]) -> None:
    """CreateFunction / UpdateFunctionCode with an ImageUri resolve it in ECR, as AWS does (patch lambda-a).

    moto (MOTO_LAMBDA_STUB_ECR, the default) hashed the URI *string* into CodeSha256 and so into
    ResolvedImageUri; without the stub it looked the image up under the last path segment of the
    repository only. AWS resolves the tag (or digest) in the ECR repository at deploy time, reports
    that manifest digest as CodeSha256 and in ResolvedImageUri, and refuses an image that does not
    exist with InvalidParameterValueException.
    """
    from_update = updated_spec is not self.code
    if "ImageUri" not in updated_spec or (from_update and updated_spec.get("DryRun")):
        _original_lambda_set_function_code(self, updated_spec)
        return
    uri = updated_spec["ImageUri"]
    digest = resolve_ecr_digest(uri)
    if digest is None:
        raise lambda_exceptions.InvalidParameterValueException(
            f"Source image {uri} does not exist. Provide a valid source image."
        )
    self.code_sha_256 = digest.split(":", 1)[1]
    self.code_size = 0
    if from_update:
        # In place, as moto does; patch lambda-b gives each published version its own copy.
        self.code["ImageUri"] = uri


def _lambda_get_code(self: Any) -> dict[str, Any]:
    response = _original_lambda_get_code(self)
    code = response.get("Code")
    if isinstance(code, dict) and "ImageUri" in code:
        # moto cut the URI at its first ':' (`repo@sha256` for a digest URI); AWS: repository@digest.
        match = ECR_IMAGE.match(code["ImageUri"])
        if match:
            host = code["ImageUri"].split("/", 1)[0]
            code["ResolvedImageUri"] = f"{host}/{match['repository']}@sha256:{self.code_sha_256}"
    return response


def _lambda_publish_version(self: Any, name_or_arn: str, description: str = "") -> Any:
    """A published version keeps the code it was published with (patch lambda-b).

    moto's version was a shallow copy of $LATEST sharing its `code` dict, so UpdateFunctionCode on
    $LATEST changed the ImageUri every published version (and the aliases on them) reported.
    """
    version = _original_lambda_publish_version(self, name_or_arn, description)
    if version is not None:
        version.code = copy.deepcopy(version.code)
    return version


_original_lambda_set_function_code = lambda_models.LambdaFunction._set_function_code
_original_lambda_get_code = lambda_models.LambdaFunction.get_code
_original_lambda_publish_version = lambda_models.LambdaStorage.publish_version
lambda_models.LambdaFunction._set_function_code = _lambda_set_function_code  # type: ignore[method-assign]
lambda_models.LambdaFunction.get_code = _lambda_get_code  # type: ignore[method-assign]
lambda_models.LambdaStorage.publish_version = _lambda_publish_version  # type: ignore[method-assign]


# RegisterJobDefinition's ecsProperties, handed to the JobDefinition(s) built during that one request.
_BATCH_ECS_PROPERTIES: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "batch_ecs_properties", default=None
)
_original_job_definition_init = batch_models.JobDefinition.__init__
_original_job_definition_validate = batch_models.JobDefinition._validate
_original_job_definition_describe = batch_models.JobDefinition.describe
_original_register_job_definition_response = batch_responses.BatchResponse.registerjobdefinition


def _job_definition_init(self: Any, *args: Any, **kwargs: Any) -> None:
    self.ecs_properties = _BATCH_ECS_PROPERTIES.get()
    _original_job_definition_init(self, *args, **kwargs)


def _job_definition_validate(self: Any) -> None:
    """A container job may be given by ecsProperties alone (patch batch-a); moto demanded containerProperties or eksProperties."""
    ecs = getattr(self, "ecs_properties", None)
    if self.type == "container" and ecs is not None and self.container_properties is None and self.eks_properties is None:
        tasks = ecs.get("taskProperties") or []
        containers = [c for t in tasks for c in (t.get("containers") or [])]
        if not containers or any("image" not in c for c in containers):
            raise batch_models.ClientException("ecsProperties.taskProperties must contain containers with an image")
        return
    _original_job_definition_validate(self)


def _job_definition_describe(self: Any) -> dict[str, Any]:
    """DescribeJobDefinitions also returns nodeProperties and ecsProperties (patch batch-a); moto stored but dropped them."""
    result = _original_job_definition_describe(self)
    if self.node_properties is not None:
        result["nodeProperties"] = self.node_properties
    ecs = getattr(self, "ecs_properties", None)
    if ecs is not None:
        result["ecsProperties"] = ecs
    return result


def _job_definition_update(
    self: Any,
    parameters: dict[str, Any] | None,
    _type: str,
    container_properties: dict[str, Any] | None,
    node_properties: dict[str, Any] | None,
    eks_properties: dict[str, Any] | None,
    retry_strategy: dict[str, Any],
    tags: dict[str, str],
    timeout: dict[str, int],
) -> Any:
    """A new revision is exactly what was registered (patch batch-a).

    moto copied the previous revision's containerProperties / eksProperties into a revision
    registered without them, so a revision moved to ecsProperties still named the old image.
    """
    return batch_models.JobDefinition(
        self.name,
        parameters if parameters is not None else self.parameters,
        _type if _type is not None else self.type,
        container_properties,
        node_properties=node_properties,
        eks_properties=eks_properties,
        revision=self.revision,
        retry_strategy=retry_strategy,
        tags=tags,
        timeout=timeout,
        backend=self.backend,
        platform_capabilities=self.platform_capabilities,
        propagate_tags=self.propagate_tags,
    )


def _register_job_definition_response(self: Any) -> str:
    token = _BATCH_ECS_PROPERTIES.set(self._get_param("ecsProperties"))
    try:
        return _original_register_job_definition_response(self)
    finally:
        _BATCH_ECS_PROPERTIES.reset(token)


batch_models.JobDefinition.__init__ = _job_definition_init  # type: ignore[method-assign]
batch_models.JobDefinition._validate = _job_definition_validate  # type: ignore[method-assign]
batch_models.JobDefinition.describe = _job_definition_describe  # type: ignore[method-assign]
batch_models.JobDefinition.update = _job_definition_update  # type: ignore[method-assign]
batch_responses.BatchResponse.registerjobdefinition = _register_job_definition_response  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# STS: AssumeRole needs the role (moto 5.2.1 hands out credentials for any ARN)
# ---------------------------------------------------------------------------
# AWS refuses AssumeRole with AccessDenied when the role does not exist in the target account or
# its trust policy's sts:ExternalId condition does not match. The organisation mode must see that
# refusal (a missing StackSet role) to mark the account unread; moto would silently switch accounts.


class StsAccessDenied(ServiceException):
    code = "AccessDenied"


def _required_external_ids(role: Any) -> set[str]:
    try:
        document = json.loads(role.assume_role_policy_document)
    except (TypeError, ValueError):
        return set()
    wanted: set[str] = set()
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        condition = statement.get("Condition", {}) if isinstance(statement, dict) else {}
        for operator in ("StringEquals", "StringLike"):
            value = condition.get(operator, {}).get("sts:ExternalId")
            if isinstance(value, str):
                wanted.add(value)
            elif isinstance(value, list):
                wanted.update(v for v in value if isinstance(v, str))
    return wanted


_original_assume_role = sts_models.STSBackend.assume_role


def _assume_role(self: Any, region_name: str, role_session_name: str, role_arn: str, policy: str, duration: int, external_id: str) -> Any:
    match = re.match(r"^arn:[\w-]+:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$", role_arn or "")
    denied = f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    if match is None:
        raise StsAccessDenied(denied)
    try:
        role = iam_backends[match.group(1)][get_partition(region_name)].get_role(match.group(2))
    except Exception as error:  # noqa: BLE001 - moto's NotFound: AWS answers AccessDenied, not NoSuchEntity
        raise StsAccessDenied(denied) from error
    wanted = _required_external_ids(role)
    if wanted and external_id not in wanted:
        raise StsAccessDenied(denied)
    return _original_assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id)


sts_models.STSBackend.assume_role = _assume_role  # type: ignore[method-assign]


def control_iam_role(body: dict[str, Any]) -> dict[str, Any]:
    """An IAM role (moto's CreateFunction requires an existing one); returns its ARN, creating it once."""
    account = body.get("accountId", DEFAULT_ACCOUNT)
    name = _require(body, "roleName")
    backend = iam_backends[account][get_partition(body.get("region", DEFAULT_REGION))]
    try:
        role = backend.get_role(name)
    except Exception:  # noqa: BLE001 - moto raises its own NotFound type
        trust = body.get("trustPolicy") or {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
        role = backend.create_role(name, json.dumps(trust), "/", None, "", [], None)
    return {"arn": role.arn}


# ---------------------------------------------------------------------------
# Control server
# ---------------------------------------------------------------------------


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _require(body: dict[str, Any], key: str) -> Any:
    if key not in body or body[key] in (None, ""):
        raise ControlError(400, f"missing field {key!r}")
    return body[key]


def control_image_times(body: dict[str, Any]) -> dict[str, Any]:
    image = _find_ecr_image(
        body.get("accountId", DEFAULT_ACCOUNT),
        body.get("region", DEFAULT_REGION),
        _require(body, "repositoryName"),
        _require(body, "imageDigest"),
    )
    fields = {
        "imagePushedAt": "image_pushed_at",
        "lastRecordedPullTime": "last_recorded_pull_time",
        "lastArchivedAt": "last_archived_at",
        "lastActivatedAt": "last_activated_at",
    }
    for key, attribute in fields.items():
        if key in body:
            value = parse_time(body[key])
            if key == "imagePushedAt" and value is None:
                raise ControlError(400, "imagePushedAt cannot be null")
            setattr(image, attribute, value)
    if "imageStatus" in body:
        if body["imageStatus"] not in ("ACTIVE", "ARCHIVED", "ACTIVATING"):
            raise ControlError(400, f"imageStatus must be ACTIVE, ARCHIVED or ACTIVATING, not {body['imageStatus']!r}")
        image.image_status = body["imageStatus"]
    return {"imageDigest": image.get_image_digest()}


def _find_task(body: dict[str, Any]) -> Any:
    backend = ecs_backends[body.get("accountId", DEFAULT_ACCOUNT)][body.get("region", DEFAULT_REGION)]
    cluster = backend._get_cluster(_require(body, "cluster"))
    wanted = _require(body, "taskArn")
    for arn, task in backend.tasks.get(cluster.name, {}).items():
        if wanted in (arn, task.id):
            return task
    raise ControlError(404, f"no task {wanted} in cluster {cluster.name}")


def control_task_digest(body: dict[str, Any]) -> dict[str, Any]:
    task = _find_task(body)
    name = _require(body, "containerName")
    container = next((c for c in task.containers if c.name == name), None)
    if container is None:
        raise ControlError(404, f"no container {name} in task {task.task_arn}")
    if "imageDigest" not in body:
        raise ControlError(400, "missing field 'imageDigest' (null removes it)")
    container.image_digest = body["imageDigest"]
    return {"taskArn": task.task_arn}


def control_task_status(body: dict[str, Any]) -> dict[str, Any]:
    task = _find_task(body)
    status = _require(body, "lastStatus")
    task.last_status = status
    for container in task.containers:
        container.last_status = status
    return {"taskArn": task.task_arn}


def control_container_instance(body: dict[str, Any]) -> dict[str, Any]:
    """Starts a moto EC2 instance and registers it in the cluster, so EC2 tasks can be placed."""
    account = body.get("accountId", DEFAULT_ACCOUNT)
    region = body.get("region", DEFAULT_REGION)
    cluster = _require(body, "cluster")
    ec2 = ec2_backends[account][region]
    image_id = next(iter(ec2.amis), "ami-12c6146b")
    reservation = ec2.run_instances(
        image_id, 1, None, [], instance_type="m5.large", is_instance_type_default=False, region_name=region
    )
    instance_id = reservation.instances[0].id
    instance = ecs_backends[account][region].register_container_instance(cluster, instance_id)
    return {"containerInstanceArn": instance.container_instance_arn, "ec2InstanceId": instance_id}


def control_default_network(body: dict[str, Any]) -> dict[str, Any]:
    """Default subnets and security group: Fargate (awsvpc) RunTask needs them in moto too."""
    ec2 = ec2_backends[body.get("accountId", DEFAULT_ACCOUNT)][body.get("region", DEFAULT_REGION)]
    subnets = sorted(s.id for s in ec2.get_default_subnets().values())
    vpc = ec2.get_default_vpc()
    group = ec2.get_default_security_group(vpc.id) if vpc else None
    return {"subnets": subnets, "securityGroups": [group.id] if group else []}


def control_inspector_findings(body: dict[str, Any]) -> dict[str, Any]:
    account = body.get("accountId", DEFAULT_ACCOUNT)
    region = body.get("region", DEFAULT_REGION)
    backend = inspector2_backends[account][region]
    if not hasattr(backend, "seeded_findings"):
        backend.seeded_findings = []
    arns = []
    for seed in body.get("findings") or []:
        repository_name = _require(seed, "repositoryName")
        digest = _require(seed, "imageDigest")
        repository = ecr_backends[account][region].repositories.get(repository_name)
        image = None
        if repository is not None:
            image = next((i for i in repository.images if i.get_image_digest() == digest), None)
        now = datetime.now(timezone.utc).timestamp()
        number = len(backend.seeded_findings) + 1
        finding_arn = f"arn:aws:inspector2:{region}:{account}:finding/{hashlib.md5(f'{digest}{number}'.encode()).hexdigest()}"
        vulnerability = seed.get("vulnerabilityId", f"CVE-2024-{10000 + number}")
        pushed_at = image.image_pushed_at.timestamp() if image is not None and isinstance(image.image_pushed_at, datetime) else now
        finding = {
            "awsAccountId": account,
            "findingArn": finding_arn,
            "type": "PACKAGE_VULNERABILITY",
            "title": seed.get("title", f"{vulnerability} - openssl"),
            "description": seed.get("description", "Seeded by the ecr-keeper emulator."),
            "severity": _require(seed, "severity"),
            "status": seed.get("status", "ACTIVE"),
            "firstObservedAt": now,
            "lastObservedAt": now,
            "updatedAt": now,
            "remediation": {"recommendation": {"text": "None Provided"}},
            "packageVulnerabilityDetails": {
                "vulnerabilityId": vulnerability,
                "source": "NVD",
                "vulnerablePackages": [{"name": "openssl", "version": "3.0.1", "packageManager": "OS"}],
            },
            "resources": [
                {
                    "type": "AWS_ECR_CONTAINER_IMAGE",
                    "id": f"arn:aws:ecr:{region}:{account}:repository/{repository_name}/{digest}",
                    "partition": "aws",
                    "region": region,
                    "details": {
                        "awsEcrContainerImage": {
                            "repositoryName": repository_name,
                            "imageHash": digest,
                            "imageTags": list(image.image_tags) if image is not None else seed.get("imageTags", []),
                            "registry": account,
                            "pushedAt": pushed_at,
                            "architecture": "amd64",
                            "platform": "LINUX",
                        }
                    },
                }
            ],
        }
        backend.seeded_findings.append(finding)
        arns.append(finding_arn)
    return {"findingArns": arns}


def control_inspector_coverage(body: dict[str, Any]) -> dict[str, Any]:
    """Seeds Inspector coverage of ECR images (patch j): tags and push time are read from the ECR backend."""
    account = body.get("accountId", DEFAULT_ACCOUNT)
    region = body.get("region", DEFAULT_REGION)
    backend = inspector2_backends[account][region]
    if not hasattr(backend, "seeded_coverage"):
        backend.seeded_coverage = []
    resource_ids = []
    for seed in body.get("images") or []:
        repository_name = _require(seed, "repositoryName")
        digest = _require(seed, "imageDigest")
        repository = ecr_backends[account][region].repositories.get(repository_name)
        image = None
        if repository is not None:
            image = next((i for i in repository.images if i.get_image_digest() == digest), None)
        now = datetime.now(timezone.utc).timestamp()
        ecr_image: dict[str, Any] = {"tags": list(image.image_tags) if image is not None else seed.get("tags", [])}
        for key in ("lastInUseAt", "imagePulledAt"):
            if seed.get(key) is not None:
                ecr_image[key] = parse_time(seed[key]).timestamp()  # type: ignore[union-attr]
        if seed.get("inUseCount") is not None:
            ecr_image["inUseCount"] = int(seed["inUseCount"])
        resource_id = f"arn:aws:ecr:{region}:{account}:repository/{repository_name}/{digest}"
        backend.seeded_coverage = [r for r in backend.seeded_coverage if r["resourceId"] != resource_id]
        record: dict[str, Any] = {
            "resourceType": "AWS_ECR_CONTAINER_IMAGE",
            "resourceId": resource_id,
            "accountId": account,
            "scanType": "PACKAGE",
            "scanStatus": seed.get("scanStatus") or {"statusCode": "ACTIVE", "reason": "SUCCESSFUL"},
            "resourceMetadata": {
                "ecrRepository": {"name": repository_name, "scanFrequency": "CONTINUOUS_SCAN"},
                "ecrImage": ecr_image,
            },
        }
        # Absent lastScannedAt: now; null: never scanned (AWS leaves the field out).
        if "lastScannedAt" not in seed:
            record["lastScannedAt"] = now
        elif seed["lastScannedAt"] is not None:
            record["lastScannedAt"] = parse_time(seed["lastScannedAt"]).timestamp()  # type: ignore[union-attr]
        backend.seeded_coverage.append(record)
        resource_ids.append(resource_id)
    return {"resourceIds": resource_ids}


ROUTES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "/ecr/image-times": control_image_times,
    "/ecs/task-digest": control_task_digest,
    "/ecs/task-status": control_task_status,
    "/ecs/container-instance": control_container_instance,
    "/ecs/deployment-status": control_deployment_status,
    "/ecs/legacy-service": control_legacy_service,
    "/ec2/default-network": control_default_network,
    "/inspector2/findings": control_inspector_findings,
    "/inspector2/coverage": control_inspector_coverage,
    "/iam/role": control_iam_role,
}

# Control edits are serialised among themselves; the emu test files run one at a time, so moto
# requests and control edits do not race in practice.
CONTROL_LOCK = threading.Lock()


class ControlHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        route = ROUTES.get(self.path.split("?")[0])
        if route is None:
            self._reply(404, {"error": f"unknown control route {self.path}", "routes": sorted(ROUTES)})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise ControlError(400, "body must be a JSON object")
            with CONTROL_LOCK:
                self._reply(200, route(body))
        except ControlError as error:
            self._reply(error.status, {"error": str(error)})
        except Exception as error:  # noqa: BLE001 - reported to the caller, not swallowed
            self._reply(500, {"error": f"{type(error).__name__}: {error}"})


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def apply_task_transition(endpoint: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/state-manager/set-transition",
        data=json.dumps({"model_name": "ecs::task", "transition": TASK_TRANSITION}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def main() -> None:
    # werkzeug logs every request to stderr; keep stderr for real errors.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto_server.start()
    host, port = moto_server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    apply_task_transition(endpoint)

    control = ThreadingHTTPServer(("127.0.0.1", 0), ControlHandler)
    control.daemon_threads = True
    threading.Thread(target=control.serve_forever, daemon=True).start()
    control_url = f"http://127.0.0.1:{control.server_address[1]}"

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def watch_stdin() -> None:
        # The parent holds our stdin; EOF means it is gone (even if it crashed).
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:  # noqa: BLE001 - any error reading stdin means the parent is gone
            pass
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print("READY " + json.dumps({"endpoint": endpoint, "control": control_url}), flush=True)
    while not stop.wait(1.0):
        pass
    control.shutdown()
    # moto's shutdown waits for in-flight requests; a daemon thread dies with us anyway.
    os._exit(0)


if __name__ == "__main__":
    main()
