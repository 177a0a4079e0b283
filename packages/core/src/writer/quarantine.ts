/**
 * The quarantine: records a store rejected for good, and spool lines that could not be read,
 * set aside as JSON lines with the reason, so that nothing is silently dropped and a person can
 * look at them. One file per spool file, in a `quarantine/` folder beside the spool files (so a
 * replay of the spool folder never picks them up).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { encodeJson } from './json-codec.js';

const QUARANTINE_FORMAT = 1;

/** What was set aside: a record the store rejected, or a spool line that could not be read. */
export type QuarantineEntry =
  | {
      /** `type`, `artifact`, `execution`, `context`, an edge kind, or `metrics` (points of one execution). */
      kind: string;
      record: unknown;
      reason: string;
      code?: string;
    }
  | {
      kind: 'spool-line';
      /** `<spool file>:<line number>` */
      source: string;
      line: string;
      reason: string;
    };

/**
 * The quarantine file of a spool file.
 *
 * @example
 * quarantineFileFor('.mlmeta/spool/1700000000000-host-42.jsonl'); // '.mlmeta/spool/quarantine/1700000000000-host-42.jsonl'
 */
export function quarantineFileFor(spoolFile: string): string {
  return join(dirname(spoolFile), 'quarantine', basename(spoolFile));
}

/** Appends entries to one quarantine file (synchronously: usable from an `exit` handler). */
export class Quarantine {
  /** Entries written by this object. */
  count = 0;

  constructor(readonly file: string) {}

  /** Append one entry. Throws on a disk error (the caller counts the record as lost). */
  add(entry: QuarantineEntry): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const fd = openSync(this.file, 'a', 0o600);
    try {
      writeSync(fd, `${encodeJson({ v: QUARANTINE_FORMAT, t: Date.now(), ...entry })}\n`);
    } finally {
      closeSync(fd);
    }
    this.count++;
  }
}
