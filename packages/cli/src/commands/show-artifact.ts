/**
 * `mlmeta show artifact:N` (or a file, or a digest): one artifact — what it is, its statistics or
 * signature, the other contents recorded at its URI, the runs that produced and read it.
 */
import { existsSync } from 'node:fs';
import type { Artifact, MetadataStore, PropertyValue } from '@mlmeta/core/read';
import {
  type ArtifactDetails,
  type ArtifactRun,
  artifactDetails,
  type TensorSignature,
} from '../artifact-details.js';
import { type CliContext, CliError } from '../context.js';
import { identifyFile } from '../file-digest.js';
import { formatTime, formatValue, paint, paintState, shortDigest } from '../output/format.js';
import { renderTable } from '../output/table.js';
import { findArtifact, findRun, rejectAmbiguousNumber } from '../resolve.js';
import { artifactForFile, unknownFile } from '../target.js';

/** A dataset with more features than this lists the first ones, and any that hold NaN or ±Infinity. */
const FEATURES_SHOWN = 20;
const DIGEST = /^[a-z][a-z0-9]*:[0-9a-f]{6,}$/i;

/**
 * The artifact `ref` names when `show` should show an artifact: `artifact:N`, an existing file
 * or folder, a digest, or a name that no run has. Undefined means "a run": `show` resolves it.
 */
export async function shownArtifact(store: MetadataStore, ref: string): Promise<Artifact | undefined> {
  if (ref.startsWith('run:')) return undefined;
  if (ref.startsWith('artifact:')) {
    const artifact = await findArtifact(store, ref);
    if (!artifact) throw new CliError(`no artifact ${ref} in ${store.uri} (see mlmeta lineage <run>)`);
    return artifact;
  }
  if (existsSync(ref)) {
    const file = await identifyFile(ref);
    const artifact = await artifactForFile(store, file);
    if (!artifact) throw unknownFile(store, file, ref);
    return artifact;
  }
  await rejectAmbiguousNumber(store, ref);
  if (DIGEST.test(ref)) {
    const artifact = await findArtifact(store, ref);
    if (!artifact) throw new CliError(`no artifact has digest ${ref} in ${store.uri}`);
    return artifact;
  }
  if (await findRun(store, ref)) return undefined;
  return findArtifact(store, ref);
}

function section(ctx: CliContext, title: string, lines: string[]): void {
  if (lines.length === 0) return;
  ctx.print(`\n${paint(ctx.color, 'bold', title)}`);
  ctx.print(lines.join('\n'));
}

const shape = (value: PropertyValue | undefined) => (value === undefined ? '' : JSON.stringify(value));

function isNonFinite(stats: Record<string, PropertyValue>): boolean {
  const infinite = (v: PropertyValue | undefined) => typeof v === 'number' && !Number.isFinite(v);
  return (
    (typeof stats.nanCount === 'number' && stats.nanCount > 0) || infinite(stats.min) || infinite(stats.max)
  );
}

function statisticsLines(ctx: CliContext, statistics: NonNullable<ArtifactDetails['statistics']>): string[] {
  const totals = [
    statistics.rows !== undefined ? `${formatValue(statistics.rows)} rows` : '',
    statistics.bytes !== undefined ? `${formatValue(statistics.bytes)} bytes` : '',
    statistics.sampled === true ? 'sampled (fingerprint within a byte budget)' : '',
  ].filter(Boolean);
  const lines = totals.length > 0 ? [`  ${totals.join(', ')}`] : [];
  for (const tensor of statistics.tensors) {
    lines.push(`  ${[tensor.name, shape(tensor.shape), tensor.dtype].filter(Boolean).join(' ')}`);
    const shown = tensor.features
      .map((stats, feature) => ({ stats, feature }))
      .filter(({ stats, feature }) => feature < FEATURES_SHOWN || isNonFinite(stats));
    if (shown.length === 0) continue;
    const table = renderTable(
      ['feature', 'count', 'min', 'max', 'mean', 'std', 'nan'],
      shown.map(({ stats, feature }) => {
        const row = [
          String(feature),
          ...['count', 'min', 'max', 'mean', 'std', 'nanCount'].map((k) => formatValue(stats[k])),
        ];
        return isNonFinite(stats) ? row.map((cell) => paint(ctx.color, 'red', cell)) : row;
      }),
      { width: ctx.width === undefined ? undefined : ctx.width - 4 },
    );
    lines.push(...table.split('\n').map((line) => `    ${line}`));
    const hidden = tensor.features.length - shown.length;
    if (hidden > 0) lines.push(`    … ${hidden} more features (--json lists all)`);
  }
  return lines;
}

function signatureLines(signature: NonNullable<ArtifactDetails['signature']>): string[] {
  const describe = (s: TensorSignature) => [s.name, s.type, shape(s.shape)].filter(Boolean).join(' ');
  return [
    `  inputs:  ${signature.inputs.map(describe).join(', ') || '-'}`,
    `  outputs: ${signature.outputs.map(describe).join(', ') || '-'}`,
  ];
}

function runLines(ctx: CliContext, runs: ArtifactRun[]): string[] {
  return runs.map(
    (r) =>
      `  run ${r.name}  #${r.id}  ${r.type}  ${paintState(ctx.color, r.state)}  as ${r.role}${r.time ? `  ${formatTime(r.time)}` : ''}`,
  );
}

/** Prints one artifact (or its JSON). */
export async function showArtifact(ctx: CliContext, store: MetadataStore, artifact: Artifact): Promise<void> {
  const details = await artifactDetails(store, artifact);
  if (ctx.json) return ctx.printJson({ artifact: details });
  ctx.print(
    `${paint(ctx.color, 'bold', `artifact #${details.id}`)}  ${details.type}  ${paintState(ctx.color, details.state)}`,
  );
  if (details.name) ctx.print(`  name:     ${details.name}`);
  ctx.print(`  digest:   ${details.digest ?? '-'}`);
  ctx.print(`  uri:      ${details.uri ?? '-'}`);
  ctx.print(`  recorded: ${formatTime(details.created)}`);
  if (details.statistics) section(ctx, 'statistics', statisticsLines(ctx, details.statistics));
  if (details.signature) section(ctx, 'signature', signatureLines(details.signature));
  if (details.model) {
    const { name, version, versions } = details.model;
    section(
      ctx,
      `model ${name}, version ${version} of ${versions.length}`,
      versions.map(
        (v) =>
          `  ${v.version}  ${v.artifactId !== undefined ? `#${v.artifactId}` : 'deleted'}  ${shortDigest(v.digest)}  ${formatTime(v.created)}${v.aliases.length > 0 ? `  ${v.aliases.join(', ')}` : ''}${v.current ? '  (this one)' : ''}`,
      ),
    );
  }
  if (details.versions.length > 1) {
    section(
      ctx,
      `contents recorded at ${details.uri}`,
      details.versions.map(
        (v) =>
          `  #${v.id}  ${shortDigest(v.digest)}  ${formatTime(v.created)}${v.current ? '  (this one)' : ''}`,
      ),
    );
  }
  section(ctx, 'produced by', runLines(ctx, details.producers));
  if (details.producers.length === 0) section(ctx, 'produced by', ['  no recorded run']);
  section(ctx, 'read by', runLines(ctx, details.consumers));
  section(
    ctx,
    'properties',
    Object.entries(details.properties).map(([k, v]) => {
      const line = `  ${k}: ${formatValue(v)}`;
      return ctx.width ? line.slice(0, ctx.width) : line;
    }),
  );
}
