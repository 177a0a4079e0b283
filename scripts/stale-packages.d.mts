export interface Workspace {
  dir: string;
  name: string;
  manifest: Record<string, unknown>;
}
export declare const root: string;
export declare function workspaces(): Workspace[];
export declare function staleness(ws: Workspace): string | undefined;
export declare function stalePackages(): Array<{ ws: Workspace; reason: string }>;
