/** In-app navigation: pages call navigate(); the router (main.ts) listens and renders. */

/** A page renders into `root`; `signal` aborts when the user navigates away before it finishes. */
export type Page = (
  root: HTMLElement,
  url: URL,
  params: Record<string, string>,
  signal: AbortSignal,
) => Promise<void>;

export const NAVIGATE_EVENT = 'mlmeta:navigate';

/**
 * Goes to an in-app URL, pushing history unless `replace`.
 *
 * @example
 * navigate('/runs/12');
 */
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}
