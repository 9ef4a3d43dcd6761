-- Agents recorded without touching their code (issue 12): the OpenTelemetry exporter and
-- the LangChain callback turn traces into workflows. Two new tables keep the trace and span
-- ids, so a span exported twice is stored once (their primary keys are the idempotency
-- keys) and spans of one trace that arrive in different batches, children before their
-- parent, find their workflow and node. workflows gains a free JSON state (a LangGraph
-- state, an agent's attributes) beside document 000's travel-planner columns.
--
-- Locks on a busy 100M-row database: ADD COLUMN without a default is catalog-only
-- (ACCESS EXCLUSIVE on workflows for milliseconds, no rewrite, no scan). The new tables
-- are empty; their foreign keys take SHARE ROW EXCLUSIVE on workflows and nodes for the
-- instant of creation (no scan of the referenced tables). lock_timeout makes the
-- migration fail fast rather than queue behind a long transaction.
-- depends: 0031_validate_node_and_call_types

SET lock_timeout = '1s';
SET statement_timeout = '1min';

ALTER TABLE workflows
    ADD COLUMN state JSONB;

COMMENT ON COLUMN workflows.state IS
    'The run''s state as the application keeps it (any JSON: a LangGraph state, an agent''s '
    'attributes); the travel-planner columns are still filled when the state has them.';

CREATE TABLE workflow_traces (
    trace_id VARCHAR(64) NOT NULL,
    workflow_id BIGINT NOT NULL,
    source VARCHAR(20) NOT NULL,
    root_span_id VARCHAR(64),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT pk_workflow_traces PRIMARY KEY (trace_id),
    CONSTRAINT uq_workflow_traces_workflow_id UNIQUE (workflow_id),
    CONSTRAINT fk_workflow_traces_workflow_id FOREIGN KEY (workflow_id)
        REFERENCES workflows (id)
        ON DELETE CASCADE,
    CONSTRAINT check_workflow_traces_source CHECK (source IN ('opentelemetry', 'langchain'))
);

COMMENT ON TABLE workflow_traces IS
    'One row per recorded trace: the workflow its spans went into. Deleted with the workflow.';
COMMENT ON COLUMN workflow_traces.trace_id IS
    'OpenTelemetry trace id (32 hex digits) or the LangChain root run id.';
COMMENT ON COLUMN workflow_traces.root_span_id IS
    'The root span, once it arrived; NULL while only descendants were seen (workflow running).';

CREATE TABLE workflow_spans (
    trace_id VARCHAR(64) NOT NULL,
    span_id VARCHAR(64) NOT NULL,
    parent_span_id VARCHAR(64),
    node_span_id VARCHAR(64),
    workflow_id BIGINT NOT NULL,
    kind VARCHAR(20) NOT NULL,
    node_id BIGINT,
    generation_id BIGINT,
    generation_created_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT pk_workflow_spans PRIMARY KEY (trace_id, span_id),
    CONSTRAINT fk_workflow_spans_workflow_id FOREIGN KEY (workflow_id)
        REFERENCES workflows (id)
        ON DELETE CASCADE,
    CONSTRAINT fk_workflow_spans_node_id FOREIGN KEY (node_id)
        REFERENCES nodes (id)
        ON DELETE SET NULL,
    CONSTRAINT check_workflow_spans_kind CHECK (kind IN ('workflow', 'node', 'generation')),
    CONSTRAINT check_workflow_spans_generation CHECK (
        (generation_id IS NULL) = (generation_created_at IS NULL)
    )
);

-- Serve the cascades from workflows and nodes (a delete would scan the table without).
CREATE INDEX idx_workflow_spans_workflow_id
    ON workflow_spans (workflow_id);

CREATE INDEX idx_workflow_spans_node_id
    ON workflow_spans (node_id)
    WHERE node_id IS NOT NULL;

-- Finds the generations stored before their node span arrived (generations_attach_nodes).
CREATE INDEX idx_workflow_spans_trace_id_node_span_id
    ON workflow_spans (trace_id, node_span_id)
    WHERE kind = 'generation';

COMMENT ON TABLE workflow_spans IS
    'One row per recorded span (or LangChain run), keyed by trace and span id: the row it '
    'became in nodes or generations. Its primary key makes a re-exported span a no-op.';
COMMENT ON COLUMN workflow_spans.node_span_id IS
    'The span whose node holds this span''s generation (its parent for OpenTelemetry, the '
    'enclosing graph node for LangChain); used to attach a generation whose node arrives later.';
COMMENT ON COLUMN workflow_spans.kind IS
    'workflow (the root span, the workflow row itself), node or generation.';
COMMENT ON COLUMN workflow_spans.generation_id IS
    'generations.id of a generation span (no foreign key: generations is partitioned and its '
    'key includes created_at, kept in generation_created_at).';
