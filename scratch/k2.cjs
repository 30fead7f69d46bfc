const tf = require('@tensorflow/tfjs'); require('@tensorflow/tfjs-backend-wasm');
const { backend_util } = tf;
function wrap(info) { const e = tf.engine(); const t = e.makeTensorFromTensorInfo(info); e.backend.incRef(info.dataId); return t; }
function unwrap(t, backend) { backend.incRef(t.dataId); const out = { dataId: t.dataId, shape: t.shape, dtype: t.dtype }; t.dispose(); return out; }
// take every s-th row/col starting at (oy, ox) from x [B,H,W,C], producing [B, n, m, C], using slice+reshape (no StridedSlice)
function phaseSlice(x, oy, ox, sh, sw, n, m) {
  const [B, , , C] = x.shape;
  let t = tf.slice(x, [0, oy, ox, 0], [B, Math.min(x.shape[1] - oy, n * sh), Math.min(x.shape[2] - ox, m * sw), C]);
  const ph = n * sh - t.shape[1], pw = m * sw - t.shape[2];
  if (ph > 0 || pw > 0) t = tf.pad(t, [[0, 0], [0, ph], [0, pw], [0, 0]]);
  if (sh === 1 && sw === 1) return t;
  t = tf.reshape(t, [B, n, sh, m, sw, C]);
  t = tf.slice(t, [0, 0, 0, 0, 0, 0], [B, n, 1, m, 1, C]);
  return tf.reshape(t, [B, n, m, C]);
}
function backpropFilter({ inputs, backend, attrs }) {
  const { strides, pad, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(inputs.x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const r = tf.tidy(() => {
    const x = wrap(inputs.x), dy = wrap(inputs.dy);
    const { filterHeight: KH, filterWidth: KW, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    // conv of x' [Ci, H', W', B] with dy' [OH, OW, B, Co] at dilation (sh, sw) -> [Ci, KH, KW, Co]
    const needH = (KH - 1) + (OH - 1) * sh + 1, needW = (KW - 1) + (OW - 1) * sw + 1;
    let xp = tf.pad(x, [[0, 0], [top, Math.max(0, needH - x.shape[1] - top)], [left, Math.max(0, needW - x.shape[2] - left)], [0, 0]]);
    if (xp.shape[1] > needH || xp.shape[2] > needW) xp = tf.slice(xp, [0, 0, 0, 0], [-1, needH, needW, -1]);
    const xT = tf.transpose(xp, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const out = tf.conv2d(xT, dyT, 1, 'valid', 'NHWC', [sh, sw]); // [Ci, KH, KW, Co]
    return tf.transpose(out, [1, 2, 0, 3]);
  });
  return unwrap(r, backend);
}
function backpropInput({ inputs, backend, attrs }) {
  const { strides, pad, dimRoundingMode, inputShape } = attrs;
  const info = backend_util.computeConv2DInfo(inputShape, inputs.filter.shape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const r = tf.tidy(() => {
    const dy = wrap(inputs.dy), w = wrap(inputs.filter);
    const { batchSize: B, filterHeight: KH, filterWidth: KW, inChannels: Ci, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W } = info;
    const { top, left } = info.padInfo;
    const Q = Math.ceil((top + H) / sh), P = Math.ceil((left + W) / sw);
    const rows = [];
    for (let ry = 0; ry < sh; ry++) {
      const cols = [];
      for (let rx = 0; rx < sw; rx++) {
        const Jy = Math.max(0, Math.ceil((KH - ry) / sh)), Jx = Math.max(0, Math.ceil((KW - rx) / sw));
        if (Jy === 0 || Jx === 0) { cols.push(tf.zeros([B, Q, P, Ci])); continue; }
        let sub = (sh === 1 && sw === 1) ? w : tf.stridedSlice(w, [ry, rx, 0, 0], [KH, KW, w.shape[2], w.shape[3]], [sh, sw, 1, 1]);
        sub = tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]); // [Jy, Jx, Co, Ci]
        const dp = tf.pad(dy, [[0, 0], [Jy - 1, Math.max(0, Q - OH)], [Jx - 1, Math.max(0, P - OW)], [0, 0]]);
        let c = tf.conv2d(dp, sub, 1, 'valid');
        if (c.shape[1] !== Q || c.shape[2] !== P) c = tf.slice(c, [0, 0, 0, 0], [B, Q, P, Ci]);
        cols.push(c);
      }
      rows.push(sw === 1 ? cols[0] : tf.reshape(tf.stack(cols, 3), [B, Q, P * sw, Ci]));
    }
    const full = sh === 1 ? rows[0] : tf.reshape(tf.stack(rows, 2), [B, Q * sh, P * sw, Ci]);
    return (top === 0 && left === 0 && full.shape[1] === H && full.shape[2] === W) ? full : tf.slice(full, [0, top, left, 0], [B, H, W, Ci]);
  });
  return unwrap(r, backend);
}
const origTile = tf.getKernel('Tile', 'wasm').kernelFunc;
function tile(args) {
  const { inputs, backend, attrs } = args; const { reps } = attrs; const x = inputs.x;
  if (x.dtype !== 'float32' || x.shape.some((d, i) => reps[i] > 1 && d !== 1)) return origTile(args);
  const r = tf.tidy(() => tf.add(wrap(x), tf.zeros(x.shape.map((d, i) => d * reps[i]))));
  return unwrap(r, backend);
}
function install() {
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: backpropFilter });
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm'); tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: backpropInput });
  tf.unregisterKernel('Tile', 'wasm'); tf.registerKernel({ kernelName: 'Tile', backendName: 'wasm', kernelFunc: tile });
}
module.exports = { install, tf };
if (require.main === module) (async () => {
  install(); await tf.setBackend('wasm'); await tf.ready();
  for (const [xs, fs, st, pad] of [[[2,9,9,3],[3,3,3,4],1,'same'],[[2,28,28,5],[3,3,5,6],2,'same'],[[2,14,14,4],[3,3,4,8],2,'same'],[[1,7,8,2],[2,3,2,3],[2,3],'valid'],[[1,10,10,2],[5,5,2,3],2,'same'],[[1,11,9,2],[4,2,2,3],[3,2],'same'],[[1,11,9,2],[4,2,2,3],[3,2],'valid']]) {
    const x = tf.randomNormal(xs, 0, 1, 'float32', 1), w = tf.randomNormal(fs, 0, 1, 'float32', 2);
    const f = (x, w) => tf.sum(tf.mul(tf.conv2d(x, w, st, pad), tf.randomNormal(tf.conv2d(x, w, st, pad).shape, 0, 1, 'float32', 3)));
    const g = tf.grads(f);
    await tf.setBackend('cpu'); const [gx1, gw1] = g([x, w]); const a1 = await gx1.data(), b1 = await gw1.data();
    await tf.setBackend('wasm'); const [gx2, gw2] = g([x, w]); const a2 = await gx2.data(), b2 = await gw2.data();
    let ex = 0, ew = 0; for (let i = 0; i < a1.length; i++) ex = Math.max(ex, Math.abs(a1[i]-a2[i])/(1+Math.abs(a1[i])));
    for (let i = 0; i < b1.length; i++) ew = Math.max(ew, Math.abs(b1[i]-b2[i])/(1+Math.abs(b1[i])));
    console.log(xs, fs, st, pad, 'dx err', ex.toExponential(2), 'dw err', ew.toExponential(2));
  }
})();
