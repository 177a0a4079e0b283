/** Short human forms of the values commands print. */
import { styleText } from 'node:util';
import type { PropertyValue } from '@mlmeta/core/read';

type Style = Parameters<typeof styleText>[0];

/**
 * `text` in `style` when colour is on. Whether it is on was decided once, for the command's own
 * output stream, so styleText is told not to judge process.stdout again.
 */
export function paint(on: boolean, style: Style, text: string): string {
  return on ? styleText(style, text, { validateStream: false }) : text;
}

const STATE_STYLE: Record<string, Style> = {
  COMPLETE: 'green',
  CACHED: 'cyan',
  RUNNING: 'yellow',
  FAILED: 'red',
  LOST: 'red',
  CANCELED: 'gray',
  LIVE: 'green',
  DELETED: 'gray',
};

export function paintState(on: boolean, state: string): string {
  const style = STATE_STYLE[state];
  return style ? paint(on, style, state) : state;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time as `YYYY-MM-DD HH:MM:SS`. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return '-';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(Math.floor(s % 60))}s`;
  return `${Math.floor(m / 60)}h ${pad(m % 60)}m`;
}

/** Numbers to 4 significant digits, structures as compact JSON. */
export function formatValue(value: PropertyValue | unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
    return String(Number(value.toPrecision(4)));
  }
  if (typeof value === 'string') return value;
  if (value === undefined) return '-';
  return JSON.stringify(value);
}

/** `a=1 b=2` from a record. */
export function formatPairs(values: Record<string, unknown>, max = Number.POSITIVE_INFINITY): string {
  const entries = Object.entries(values);
  const shown = entries.slice(0, max).map(([k, v]) => `${k}=${formatValue(v)}`);
  if (entries.length > max) shown.push(`+${entries.length - max}`);
  return shown.join(' ');
}

/** A long digest shortened for tables: `sha256:1a2b3c4d5e6f`. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '-';
  const match = /^([a-z0-9]+:)?([0-9a-f]{16,})$/i.exec(digest);
  return match ? `${match[1] ?? ''}${match[2]!.slice(0, 12)}` : digest;
}
