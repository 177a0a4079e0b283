// How bench/peers prints a comparison: one line per figure with mlmeta's median, the peer's
// median and the ratio in mlmeta's favour (>1 means mlmeta is better, whatever the unit).

const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));

/**
 * rows: [label, ours, theirs, better] where better is 'higher' (rates) or 'lower' (times).
 */
export function report(title, rows) {
  console.log(`\n${title}`);
  for (const [label, ours, theirs, better] of rows) {
    const ratio = better === 'higher' ? ours / theirs : theirs / ours;
    console.log(`  ${label}: mlmeta ${fmt(ours)}, peer ${fmt(theirs)}, ${ratio.toFixed(2)}x`);
  }
}
