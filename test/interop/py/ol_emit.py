"""An external job (as Airflow, Spark or dbt would) reporting itself with openlineage-python's own
client: START and COMPLETE of a job that wrote a file, with a schema facet, sent over the
client's HTTP transport with an API key to the URL the test names. Prints the run id."""
import json
import sys
import uuid
from datetime import datetime, timezone

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import job_type_job, schema_dataset

spec = json.load(sys.stdin)
client = OpenLineageClient(
    config={
        "transport": {
            "type": "http",
            "url": spec["url"],
            "endpoint": "api/v1/lineage",
            "auth": {"type": "api_key", "apiKey": spec["apiKey"]},
        }
    }
)
run = Run(runId=str(uuid.uuid4()))
job = Job(
    namespace=spec["namespace"],
    name=spec["job"],
    facets={"jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="AIRFLOW", jobType="TASK")},
)
output = OutputDataset(
    namespace="file",
    name=spec["file"],
    facets={
        "schema": schema_dataset.SchemaDatasetFacet(
            fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="DOUBLE") for c in spec["columns"]]
        )
    },
)
producer = "https://github.com/apache/airflow"
for state in (RunState.START, RunState.COMPLETE):
    client.emit(
        RunEvent(
            eventType=state,
            eventTime=datetime.now(timezone.utc).isoformat(),
            run=run,
            job=job,
            producer=producer,
            inputs=[],
            outputs=[output],
        )
    )
print(json.dumps({"runId": run.runId}))
