const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const { backend_util } = tf;

function wrap(info) { const e = tf.engine(); const t = e.makeTensorFromTensorInfo(info); e.backend.incRef(info.dataId); return t; }
function unwrap(t, backend) { backend.incRef(t.dataId); const out = { dataId: t.dataId, shape: t.shape, dtype: t.dtype }; t.dispose(); return out; }

function backpropFilter({ inputs, backend, attrs }) {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(inputs.x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const r = tf.tidy(() => {
    const x = wrap(inputs.x), dy = wrap(inputs.dy);
    const { batchSize: B, filterHeight: KH, filterWidth: KW, inChannels: Ci, outChannels: Co, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const { top, left, bottom, right } = info.padInfo;
    const xp = (top || left || bottom || right) ? tf.pad(x, [[0,0],[top,bottom],[left,right],[0,0]]) : x;
    const dy2 = tf.reshape(dy, [B*OH*OW, Co]);
    const cols = [];
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const s = tf.stridedSlice(xp, [0, kh*dh, kw*dw, 0], [B, kh*dh + (OH-1)*sh + 1, kw*dw + (OW-1)*sw + 1, Ci], [1, sh, sw, 1]);
      cols.push(tf.reshape(s, [B*OH*OW, Ci]));
    }
    const col = tf.concat(cols, 1); // [M, KH*KW*Ci]
    return tf.reshape(tf.matMul(col, dy2, true, false), [KH, KW, Ci, Co]);
  });
  return unwrap(r, backend);
}
const origInput = tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc;
function backpropInput({ inputs, backend, attrs }) {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const fshape = inputs.filter.shape;
  const info = backend_util.computeConv2DInfo(inputShape, fshape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const r = tf.tidy(() => {
    const dy = wrap(inputs.dy), w = wrap(inputs.filter);
    const { batchSize: B, filterHeight: KH, filterWidth: KW, inChannels: Ci, outChannels: Co, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W } = info;
    const { top, left } = info.padInfo;
    // dilate dy by stride
    let d = dy;
    if (sh > 1 || sw > 1) {
      d = tf.reshape(dy, [B, OH, 1, OW, 1, Co]);
      d = tf.pad(d, [[0,0],[0,0],[0,sh-1],[0,0],[0,sw-1],[0,0]]);
      d = tf.reshape(d, [B, OH*sh, OW*sw, Co]);
    }
    // full correlation with flipped filter: dx[i] = sum_k d[i + top - k]·w[k]  → pad d so that conv 'valid' gives H
    const padTop = KH - 1 - top, padLeft = KW - 1 - left;
    const padBottom = H + KH - 1 - padTop - d.shape[1];
    const padRight = W + KW - 1 - padLeft - d.shape[2];
    const slicedD = tf.slice(d, [0,0,0,0], [B, Math.min(d.shape[1], H + KH - 1 - padTop), Math.min(d.shape[2], W + KW -1 - padLeft), Co]);
    const dp = tf.pad(slicedD, [[0,0],[padTop, Math.max(0, padBottom)],[padLeft, Math.max(0,padRight)],[0,0]]);
    const wf = tf.transpose(tf.reverse(w, [0,1]), [0,1,3,2]); // [KH,KW,Co,Ci]
    return tf.conv2d(dp, wf, 1, 'valid');
  });
  return unwrap(r, backend);
}
tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: backpropFilter });
if (process.env.FASTIN) { tf.unregisterKernel('Conv2DBackpropInput', 'wasm'); tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: backpropInput }); }

async function check() {
  for (const [xs, fs, st, pad] of [[[2,9,9,3],[3,3,3,4],1,'same'],[[2,28,28,5],[3,3,5,6],2,'same'],[[2,14,14,4],[3,3,4,8],2,'same'],[[1,7,8,2],[2,3,2,3],[2,3],'valid'],[[1,10,10,2],[5,5,2,3],2,'same']]) {
    const x = tf.randomNormal(xs, 0, 1, 'float32', 1), w = tf.randomNormal(fs, 0, 1, 'float32', 2);
    const f = (x, w) => tf.sum(tf.square(tf.conv2d(x, w, st, pad)));
    const g = tf.grads(f);
    await tf.setBackend('cpu'); const [gx1, gw1] = g([x, w]); const a1 = await gx1.data(), b1 = await gw1.data();
    await tf.setBackend('wasm'); const [gx2, gw2] = g([x, w]); const a2 = await gx2.data(), b2 = await gw2.data();
    let ex = 0, ew = 0; for (let i = 0; i < a1.length; i++) ex = Math.max(ex, Math.abs(a1[i]-a2[i])/(1+Math.abs(a1[i])));
    for (let i = 0; i < b1.length; i++) ew = Math.max(ew, Math.abs(b1[i]-b2[i])/(1+Math.abs(b1[i])));
    console.log(xs, fs, st, pad, 'dx err', ex.toExponential(2), 'dw err', ew.toExponential(2));
  }
}
function model() {
  const m = tf.sequential();
  const blk = (f, s, first) => { m.add(tf.layers.conv2d({ filters: f, kernelSize: 3, strides: s, padding: 'same', useBias: false, ...(first ? { inputShape: [28,28,1] } : {}) })); m.add(tf.layers.batchNormalization()); m.add(tf.layers.reLU()); };
  blk(32, 1, true); blk(64, 2); blk(128, 2); m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 128 })); m.add(tf.layers.batchNormalization()); m.add(tf.layers.reLU()); m.add(tf.layers.dense({ units: 64 }));
  return m;
}
async function bench(backend, B) {
  await tf.setBackend(backend); await tf.ready();
  const m = model(); const opt = tf.train.adam(1e-3);
  const x = tf.randomUniform([B, 28, 28, 1]);
  const step = () => opt.minimize(() => { const z = m.apply(x, { training: true }); return tf.mean(tf.square(z)); }, false);
  step(); step();
  const t0 = Date.now(); const n = 3; for (let i = 0; i < n; i++) step();
  const ms = (Date.now() - t0) / n; console.log(backend, 'views/step', B, ms.toFixed(0), 'ms/step', (B / ms * 1000).toFixed(0), 'views/s', 'tensors', tf.memory().numTensors);
}
module.exports = { model, tf };
