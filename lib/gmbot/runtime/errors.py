"""Domain errors and the one table that maps them to gRPC status codes.

Services raise these from their logic; the server interceptor turns them into statuses, so a
servicer never picks a status code itself.
"""

from __future__ import annotations

from datetime import timedelta

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

# Status messages travel in trailing metadata, which gRPC caps (8 KiB by default): a message that
# quotes a caller's huge value would turn the answer into INTERNAL. Long ones are cut.
MAX_MESSAGE_LENGTH = 1000


def bounded(text: str, most: int = MAX_MESSAGE_LENGTH) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


class DomainError(Exception):
    """An error the caller can act on; its message is shown to the caller as is."""

    code = grpc.StatusCode.UNKNOWN


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Conflict(DomainError):
    """A concurrent change won (optimistic concurrency); re-read and retry."""

    code = grpc.StatusCode.ABORTED


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class QuotaExceeded(DomainError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, *, subject: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.subject = subject
        self.retry_after = retry_after


def to_status(error: DomainError) -> status_pb2.Status:
    """The rich google.rpc.Status for an error, with a detail the caller can read by machine."""
    message = bounded(str(error))
    status = status_pb2.Status(code=error.code.value[0], message=message)
    detail = any_pb2.Any()
    if isinstance(error, InvalidArgument) and error.field:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=bounded(error.field, 200), description=message
        )
        detail.Pack(error_details_pb2.BadRequest(field_violations=[violation]))
        status.details.append(detail)
    elif isinstance(error, QuotaExceeded):
        quota = error_details_pb2.QuotaFailure.Violation(
            subject=bounded(error.subject, 200), description=message
        )
        detail.Pack(error_details_pb2.QuotaFailure(violations=[quota]))
        status.details.append(detail)
        if error.retry_after is not None:
            retry = any_pb2.Any()
            info = error_details_pb2.RetryInfo()
            info.retry_delay.FromTimedelta(timedelta(seconds=error.retry_after))
            retry.Pack(info)
            status.details.append(retry)
    return status
