/** Shapes of the /api/v1/ui answers (see packages/server/src/ui-api.ts). */

export type PropertyValue =
  | string
  | number
  | boolean
  | null
  | PropertyValue[]
  | { [key: string]: PropertyValue };

export interface RunRow {
  id: number;
  externalId?: string;
  name: string;
  type: string;
  experiment?: string;
  host?: string;
  state: string;
  startTime: number;
  endTime?: number;
  durationMs?: number;
  params: Record<string, PropertyValue>;
  metrics: Record<string, number>;
}

export interface RunsPage {
  items: RunRow[];
  /** How many runs match the filter (all pages). */
  total: number;
  /** More than the server sorts matched: only the newest were sorted. */
  capped?: boolean;
  /** Param names on this page, those that differ between the runs first. */
  paramKeys: string[];
  metricKeys: string[];
}

export interface Artifact {
  id: number;
  type: string;
  name?: string;
  uri?: string;
  externalId?: string;
  state?: string;
  properties?: Record<string, PropertyValue>;
  customProperties?: Record<string, PropertyValue>;
}

export interface Execution {
  id: number;
  type: string;
  name?: string;
  externalId?: string;
  lastKnownState: string;
  properties: Record<string, PropertyValue>;
  customProperties: Record<string, PropertyValue>;
}

export interface MetricKey {
  key: string;
  count: number;
  minStep: number;
  maxStep: number;
  lastValue: number;
}

export interface LinkedArtifact {
  event: string;
  role: string;
  artifact: Artifact;
}

export interface RunDetail {
  run: RunRow;
  execution: Execution;
  process: { id: number; name?: string; customProperties: Record<string, PropertyValue> } | null;
  inputs: LinkedArtifact[];
  outputs: LinkedArtifact[];
  metricKeys: MetricKey[];
  failure: { name?: string; message?: string; stack?: string; exitCode?: number; signal?: string } | null;
  /** On a CACHED run: the run whose outputs it reused. */
  reused: { id: number; name: string } | null;
  /** mlmeta.Evaluate runs that read a model this run output, newest first. */
  evaluations: Evaluation[];
  /** The pipeline run (MLMETA_PIPELINE) this run is a step of. */
  pipelineRun: { id: number; name: string } | null;
}

export interface MetricSeries {
  executionId: number;
  key: string;
  points: { step: number; value: number; wallTime: number; min?: number; max?: number }[];
  total: number;
  downsampled: boolean;
}

/** A lineage graph as the server shapes it (packages/server/src/ui-graph.ts). */
export interface GraphView {
  /** `degree`: how many executions the artifact has events with in the whole store. */
  artifacts: (Artifact & { rows?: number; version?: string; degree: number })[];
  executions: { id: number; type: string; name: string; state: string; degree: number }[];
  events: { artifactId: number; executionId: number; type: string; role: string }[];
  truncated: boolean;
}

export interface TensorSpec {
  direction: 'input' | 'output';
  name: string;
  dtype?: string;
  shape?: (number | string | null)[];
}

export interface ModelDetail {
  signature: TensorSpec[];
  /** The registered model name, when the store numbered this version. */
  name?: string;
  versions: {
    id: number;
    version?: string;
    createTime: number;
    digest?: string;
    current: boolean;
    producer?: { id: number; name: string };
    aliases?: string[];
  }[];
  served: { id: number; name: string; host?: string; since: number; state: string }[];
}

export interface LineageView {
  artifact: Artifact;
  graph: GraphView;
  /** On a model's page: its signature, versions and where it is served. */
  model?: ModelDetail;
}

export interface Evaluation {
  id: number;
  name: string;
  state: string;
  startTime: number;
  model: { id: number; name?: string };
  datasets: { id: number; role: string; name?: string }[];
  metrics: Record<string, number>;
}

export interface PipelineRunSummary {
  id: number;
  name: string;
  pipeline: string;
  startTime: number;
  steps: number;
}

export interface PipelineRunView {
  pipelineRun: PipelineRunSummary;
  steps: RunRow[];
  graph: GraphView;
}

export interface Deployment {
  model: string;
  /** The model's version in its named series, when recorded. */
  version?: string;
  host: string;
  since: number;
  /** Serving now (its process is alive); a LOST serve is not live. */
  live: boolean;
  /** When it stopped serving; absent while live. */
  until?: number;
  status: string;
  serve: { id: number; name: string };
  modelArtifact: { id: number; name?: string; uri?: string } | null;
  producer: { id: number; name: string } | null;
}
