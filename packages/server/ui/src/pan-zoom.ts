/**
 * Pan, zoom and fit for an SVG, by moving its viewBox: the wheel zooms around the pointer,
 * dragging the background pans, and the buttons zoom in, out and fit the whole graph again.
 * A graph too big to read when fitted opens at a readable scale around a chosen point.
 */
import { h } from './dom.js';

type Box = { x: number; y: number; w: number; h: number };

/** Below this many screen pixels per graph unit, a node's 12 px title is too small to read. */
export const READABLE_SCALE = 0.75;

export interface PanZoom {
  /** Zoom in, zoom out and fit buttons. */
  toolbar: HTMLElement;
  /** The content changed size (a re-layout): fit it, or show `around` at a readable scale. */
  setContent(width: number, height: number, around?: { x: number; y: number }): void;
  /** Screen pixels per graph unit now. */
  scale(): number;
}

/**
 * Makes `root` (whose content spans `width` × `height`) navigable.
 *
 * @example
 * const zoom = panZoom(svgElement, 1200, 800);
 * controls.append(zoom.toolbar);
 */
export function panZoom(root: SVGSVGElement, width: number, height: number): PanZoom {
  let full: Box = { x: 0, y: 0, w: Math.max(width, 1), h: Math.max(height, 1) };
  let view = { ...full };
  const apply = () => root.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  const zoom = (factor: number, cx = view.x + view.w / 2, cy = view.y + view.h / 2) => {
    const w = Math.min(Math.max(full.w, full.h) * 4, Math.max(40, view.w * factor));
    const k = w / view.w;
    view = { x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k, w, h: view.h * k };
    apply();
  };
  const screen = () => {
    const r = root.getBoundingClientRect();
    return { width: r.width || 800, height: r.height || 400, left: r.left, top: r.top };
  };
  const toGraph = (event: MouseEvent) => {
    const r = screen();
    const scale = Math.max(view.w / r.width, view.h / r.height);
    return {
      scale,
      x: view.x + (event.clientX - r.left) * scale,
      y: view.y + (event.clientY - r.top) * scale,
    };
  };
  const fitScale = () => {
    const r = screen();
    return Math.min(r.width / full.w, r.height / full.h);
  };
  const show = (around: { x: number; y: number }, scale: number) => {
    const r = screen();
    view = {
      x: around.x - r.width / scale / 2,
      y: around.y - r.height / scale / 2,
      w: r.width / scale,
      h: r.height / scale,
    };
    apply();
  };
  root.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const at = toGraph(event);
      zoom(event.deltaY > 0 ? 1.2 : 1 / 1.2, at.x, at.y);
    },
    { passive: false },
  );
  let drag: { x: number; y: number; view: Box; moved: boolean } | undefined;
  root.addEventListener('pointerdown', (event) => {
    drag = { x: event.clientX, y: event.clientY, view: { ...view }, moved: false };
  });
  root.addEventListener('pointermove', (event) => {
    if (!drag || event.buttons === 0) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    drag.moved = true;
    root.classList.add('panning');
    const { scale } = toGraph(event);
    view = { ...drag.view, x: drag.view.x - dx * scale, y: drag.view.y - dy * scale };
    apply();
  });
  // A drag that moved is a pan, not a click on the node under it.
  root.addEventListener(
    'click',
    (event) => {
      if (drag?.moved) {
        event.preventDefault();
        event.stopPropagation();
      }
      drag = undefined;
      root.classList.remove('panning');
    },
    true,
  );
  root.addEventListener('pointerup', () => {
    if (!drag?.moved) drag = undefined;
  });
  const button = (label: string, title: string, action: () => void) => {
    const b = h('button', { type: 'button', title, 'aria-label': title }, label);
    b.addEventListener('click', action);
    return b;
  };
  const fit = () => {
    view = { ...full };
    apply();
  };
  const setContent = (w: number, hgt: number, around?: { x: number; y: number }) => {
    full = { x: 0, y: 0, w: Math.max(w, 1), h: Math.max(hgt, 1) };
    if (around && fitScale() < READABLE_SCALE) show(around, READABLE_SCALE);
    else fit();
  };
  fit();
  return {
    toolbar: h(
      'div',
      { class: 'graph-controls' },
      button('+', 'zoom in', () => zoom(1 / 1.4)),
      button('−', 'zoom out', () => zoom(1.4)),
      button('Fit', 'fit the graph to the screen', fit),
    ),
    setContent,
    scale: () => {
      const r = screen();
      return Math.min(r.width / view.w, r.height / view.h);
    },
  };
}
