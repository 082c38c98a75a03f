"""Every AWS Lambda number the Lab, the lessons, the quizzes and the tests rely on.

One place, so that a lesson, a quiz key and the runtime can never disagree. Each value
names its source (see shared/reference/aws-lambda-facts.md); the quiz linter checks
question keys against the names below (``check: {limit: NAME}``).
"""

from __future__ import annotations

import datetime

# -- the account the Lab pretends to be --------------------------------------------------
ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"

# -- function configuration (CreateFunction, Lambda quotas page) -------------------------
MEMORY_MIN_MB = 128
MEMORY_MAX_MB = 10_240  # was 3,008 MB in 64 MB steps before Dec 2020
MEMORY_DEFAULT_MB = 128
MEMORY_STEP_MB = 1
MEMORY_PER_VCPU_MB = 1_769  # 1,769 MB buys one vCPU-second per second
MAX_VCPUS = 6  # at 10,240 MB

TIMEOUT_MIN_S = 1
TIMEOUT_MAX_S = 900  # 15 minutes; older notes say 300 s
TIMEOUT_DEFAULT_S = 3

EPHEMERAL_MIN_MB = 512
EPHEMERAL_MAX_MB = 10_240
EPHEMERAL_DEFAULT_MB = 512

ENV_VARS_MAX_BYTES = 4 * 1024  # all keys and values together
ENV_VAR_KEY_PATTERN = r"[a-zA-Z]([a-zA-Z0-9_])+"
HANDLER_MAX_CHARS = 128
DESCRIPTION_MAX_CHARS = 256
FUNCTION_NAME_MAX_CHARS = 64
FUNCTION_NAME_PATTERN = r"[a-zA-Z0-9-_]+"

ARCHITECTURES = ("x86_64", "arm64")
DEFAULT_ARCHITECTURE = "x86_64"
LAYERS_MAX = 5

# Python runtimes the Lab runs; each runs on a matching python3.x where one is installed,
# else on the Lab's own Python (environments/interpreters.py). Which of them AWS still
# supports depends on the date: see PYTHON_RUNTIME_DATES and runtimes_supported().
PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
# Deprecation, block function create, block function update (AWS Lambda Developer Guide,
# "Building Lambda functions with Python", runtime table, as read in Dec 2026). After the
# deprecation date AWS stops patching; after "block create" CreateFunction refuses the
# runtime; after "block update" updating a function that uses it is refused. Invocations
# are never blocked. The Lab judges them on its clock's date; the quiz linter reads them
# against FACTS_AS_OF (a runtime past its first date may only be named as deprecated). Add a
# row when AWS announces dates for another runtime.
PYTHON_RUNTIME_DATES = {
    "python3.14": ("2029-06-30", "2029-07-31", "2029-08-31"),
    "python3.13": ("2029-06-30", "2029-07-31", "2029-08-31"),
    "python3.12": ("2028-10-31", "2028-11-30", "2029-01-10"),
    "python3.11": ("2027-06-30", "2027-07-31", "2027-08-31"),
    "python3.10": ("2026-10-31", "2026-11-30", "2027-01-15"),
}
CUSTOM_RUNTIMES = ("provided.al2023", "provided.al2")
DEPRECATED_PYTHON_RUNTIMES = ("python2.7", "python3.6", "python3.7", "python3.8", "python3.9")
FACTS_AS_OF = "2026-12-01"  # the day the course's facts were last checked against AWS

# -- deployment packages ------------------------------------------------------------------
ZIP_MAX_BYTES = 50 * 1024 * 1024  # direct upload
UNZIPPED_MAX_BYTES = 250 * 1024 * 1024  # including layers
CONTAINER_IMAGE_MAX_BYTES = 10 * 1024**3
CODE_STORAGE_MAX_BYTES = 300 * 1024**3  # per Region; older notes say 75 GB
POLICY_MAX_BYTES = 20 * 1024  # a function's resource-based policy
TAGS_PER_RESOURCE_MAX = 50

# -- payloads ------------------------------------------------------------------------------
SYNC_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024  # request and response
ASYNC_PAYLOAD_MAX_BYTES = 1024 * 1024  # was 256 KB until Oct 2025
STREAMED_RESPONSE_MAX_BYTES = 200 * 1024 * 1024
LOG_TAIL_BYTES = 4 * 1024  # LogType=Tail returns the last 4 KB, base64
ERROR_LOG_MAX_BYTES = 256 * 1024

# -- execution environment ----------------------------------------------------------------
# Max Memory Used on AWS is the runtime's own memory plus what the function adds. The Lab
# forks its workers from a template that already holds the runtime, so it measures only
# what the function adds and reports it on top of AWS's figure for the runtime itself.
# Source: a trivial Python handler reports 36-37 MB on AWS in the lectures' console output
# and 36-55 MB in real logs (shared/reference/aws-lambda-facts.md sections 3 and 12); the
# Lab uses 35 MB for the Python runtime, so its trivial handler reports about 36-38 MB.
PYTHON_RUNTIME_BASELINE_MB = 35
FILE_DESCRIPTORS_MAX = 1_024
PROCESSES_THREADS_MAX = 1_024
INIT_TIMEOUT_S = 10  # the INIT phase must finish within 10 s
SHUTDOWN_GRACE_S = 2
TASK_ROOT = "/var/task"

# -- concurrency and scaling ---------------------------------------------------------------
ACCOUNT_CONCURRENCY_DEFAULT = 1_000  # per Region
UNRESERVED_CONCURRENCY_MIN = 100  # must stay unreserved
SCALING_RATE_ENVIRONMENTS = 1_000  # new environments per function ...
SCALING_RATE_PERIOD_S = 10  # ... every 10 seconds (since Nov 2023)
REQUESTS_PER_ENVIRONMENT_PER_S = 10  # synchronous request-rate limit = 10 x concurrency
# AWS does not publish how long an idle environment stays warm (observed: minutes). The Lab
# and its simulator share this default so that both reuse and reap environments alike.
IDLE_ENVIRONMENT_KEEP_ALIVE_S = 600

# -- asynchronous invocation ---------------------------------------------------------------
ASYNC_RETRIES_DEFAULT = 2
ASYNC_RETRIES_MIN = 0
ASYNC_RETRIES_MAX = 2
ASYNC_RETRY_DELAYS_S = (60, 120)  # 1 minute before the 2nd attempt, 2 before the 3rd
ASYNC_EVENT_AGE_MIN_S = 60
ASYNC_EVENT_AGE_MAX_S = 21_600  # 6 hours, also the default
ASYNC_EVENT_AGE_DEFAULT_S = 21_600
ASYNC_THROTTLE_BACKOFF_MIN_S = 1
ASYNC_THROTTLE_BACKOFF_MAX_S = 300
DLQ_ERROR_MESSAGE_MAX_BYTES = 1024
SNS_MESSAGE_MAX_BYTES = 256 * 1024  # an SNS destination drops the payloads from a bigger record

# -- event source mappings -----------------------------------------------------------------
SQS_BATCH_DEFAULT = 10
SQS_BATCH_MAX = 10_000
SQS_FIFO_BATCH_MAX = 10
STREAM_BATCH_DEFAULT = 100
STREAM_BATCH_MAX = 10_000
BATCHING_WINDOW_MAX_S = 300
PARALLELIZATION_FACTOR_MAX = 10
STREAM_RETRY_ATTEMPTS_MAX = 10_000
RECORD_AGE_MAX_S = 604_800  # one week
FILTERS_PER_SOURCE = 5
FILTER_PATTERN_MAX_CHARS = 4_096  # FilterCriteria.Filters[].Pattern
SQS_POLLERS_START = 5
SQS_POLLERS_ADDED_PER_MINUTE = 300  # was 60 before 2023
SQS_POLLERS_MAX = 1_000
SQS_RECEIVE_MAX = 10  # messages per ReceiveMessage call
SQS_VISIBILITY_TIMEOUT_MAX_S = 43_200  # 12 hours
# AWS does not publish how fast a stream mapping retries a failing batch; the Lab waits 1 s
# and doubles up to a minute, so a blocked shard shows its retries on a virtual clock.
STREAM_RETRY_BACKOFF_MIN_S = 1
STREAM_RETRY_BACKOFF_MAX_S = 60
TUMBLING_WINDOW_MAX_S = 900  # TumblingWindowInSeconds 0..900; 0 turns windows off
# "1 MB per shard" for a tumbling window's state; AWS does not say whether MB means 10^6 or
# 2^20 bytes, nor how it measures the state: the Lab counts its compact JSON text (UNCONFIRMED).
TUMBLING_STATE_MAX_BYTES = 1024 * 1024

# -- EventBridge patterns and schedules ----------------------------------------------------
PATTERN_NUMBER_MAX = 5.0e9  # numeric matching works within -5.0e9 .. +5.0e9 ...
PATTERN_NUMBER_DECIMALS = 6  # ... to six decimal places (event-ruler)
SCHEDULE_YEAR_MIN = 1970  # cron(...) year field
SCHEDULE_YEAR_MAX = 2199

# -- HTTP front doors ---------------------------------------------------------------------
ALB_REQUEST_BODY_MAX_BYTES = 1024 * 1024
ALB_RESPONSE_MAX_BYTES = 1024 * 1024
API_GATEWAY_TIMEOUT_S = 29  # REST APIs' integration timeout (default and, for most, maximum)
API_GATEWAY_TIMEOUT_RAISABLE_SINCE = "2024-06"  # Regional and private REST APIs, by quota
HTTP_API_TIMEOUT_S = 30  # HTTP APIs' maximum integration timeout
API_GATEWAY_PAYLOAD_MAX_BYTES = 10 * 1024 * 1024  # request payload, REST and HTTP APIs
FUNCTION_URL_LIST_MAX_ITEMS = 50  # ListFunctionUrlConfigs MaxItems: 1..50
FUNCTION_URL_CORS_MAX_AGE_S = 86_400  # Cors.MaxAge: 0..86400
FUNCTION_URL_CORS_METHODS_MAX = 6  # Cors.AllowMethods holds at most 6 items
# New function URLs need lambda:InvokeFunction as well as lambda:InvokeFunctionUrl since:
FUNCTION_URL_BOTH_PERMISSIONS_SINCE = "2025-10"

# -- free tier and prices live in pricing.py; these two are the famous ones ---------------
FREE_TIER_REQUESTS = 1_000_000
FREE_TIER_GB_SECONDS = 400_000
BILLING_GRANULARITY_MS = 1  # was 100 ms before Dec 2020
PROVISIONED_BILLING_GRANULARITY_S = 300  # enabled PC time is rounded up to 5 minutes
ASYNC_BILLING_FIRST_BYTES = 256 * 1024  # an async event's first 256 KB count as one request ...
ASYNC_BILLING_CHUNK_BYTES = 64 * 1024  # ... and each further 64 KB (up to 1 MB) as one more

# Values older notes still give, by the limit that replaced them: (old value, changed in).
# The quiz linter refuses a question that states one of them as today's value.
SUPERSEDED_LIMITS = {
    "MEMORY_MAX_MB": (3_008, "2020-12"),
    "TIMEOUT_MAX_S": (300, "2018-10"),
    "ASYNC_PAYLOAD_MAX_BYTES": (256 * 1024, "2025-10"),
    "BILLING_GRANULARITY_MS": (100, "2020-12"),
}


def runtime_baseline_mb(runtime: str) -> int:
    """The memory AWS's runtime itself takes, counted in Max Memory Used (0 where the Lab
    measures the whole runtime, as for custom runtimes)."""
    return PYTHON_RUNTIME_BASELINE_MB if runtime.startswith("python") else 0


def runtime_phase(runtime: str, today: datetime.date | None = None) -> str:
    """Where a Python runtime stands on ``today``: supported, deprecated, create blocked or
    update blocked (other runtimes: supported)."""
    dates = PYTHON_RUNTIME_DATES.get(runtime)
    if dates is None:
        return "supported"
    day = today or datetime.date.today()
    deprecated, no_create, no_update = (datetime.date.fromisoformat(d) for d in dates)
    if day >= no_update:
        return "update blocked"
    if day >= no_create:
        return "create blocked"
    return "deprecated" if day >= deprecated else "supported"


def runtimes_supported(today: datetime.date | None = None) -> list[str]:
    """The Python runtimes AWS supports on ``today`` (not yet deprecated), newest first."""
    found = [r for r in PYTHON_RUNTIMES if runtime_phase(r, today) == "supported"]
    return sorted(found, key=lambda r: tuple(int(p) for p in r[6:].split(".")), reverse=True)


def vcpus_for_memory(memory_mb: int) -> float:
    """The CPU share AWS gives a function of this memory size, in vCPUs (linear, capped)."""
    return min(memory_mb / MEMORY_PER_VCPU_MB, float(MAX_VCPUS))


def unreserved_floor(account_limit: int) -> int:
    """How much concurrency must stay unreserved for an account of this size.

    AWS keeps 100 of 1,000 free (a tenth); the Lab scales the rule so that a notebook
    with an account limit of 5 still shows it.
    """
    if account_limit >= ACCOUNT_CONCURRENCY_DEFAULT:
        return UNRESERVED_CONCURRENCY_MIN
    return max(1, account_limit // 10)
