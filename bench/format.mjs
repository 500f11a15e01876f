// Number formats of the benchmark's report; 'n/a' where a figure was not measured.
export const f0 = (x) => (x === undefined ? 'n/a' : x.toFixed(0));
export const f1 = (x) => (x === undefined ? 'n/a' : x.toFixed(1));
export const f2 = (x) => (x === undefined ? 'n/a' : x.toFixed(2));
export const signed = (x, f = f0) => (x === undefined ? 'n/a' : `${x >= 0 ? '+' : ''}${f(x)}`);
