const k = require('./k2.cjs'); const tf = k.tf; if (!process.env.NOK) k.install();
function model() {
  const m = tf.sequential();
  const blk = (f, s, first) => { m.add(tf.layers.conv2d({ filters: f, kernelSize: 3, strides: s, padding: 'same', useBias: false, ...(first ? { inputShape: [28,28,1] } : {}) })); m.add(tf.layers.batchNormalization()); m.add(tf.layers.reLU()); };
  blk(32, 1, true); blk(64, 2); blk(128, 2); m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 128 })); m.add(tf.layers.batchNormalization()); m.add(tf.layers.reLU()); m.add(tf.layers.dense({ units: 64 }));
  return m;
}
(async () => {
  await tf.setBackend(process.env.BK || 'wasm'); await tf.ready(); tf.enableProdMode();
  const m = model(); const opt = tf.train.adam(1e-3);
  const B = +process.env.B || 128;
  const x = tf.randomUniform([B, 28, 28, 1]);
  const step = () => opt.minimize(() => { const z = m.apply(x, { training: true }); return tf.mean(tf.square(z)); }, false);
  step();
  const t0 = Date.now(); step(); console.log('step ms', Date.now() - t0, 'views/s', (B/(Date.now()-t0)*1000).toFixed(0));
  if (process.env.NOPROF) return;
  const p = await tf.profile(() => step());
  const agg = {};
  for (const k of p.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes); agg[key] = (agg[key] || 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0); }
  Object.entries(agg).sort((a, b) => b[1] - a[1]).slice(0, +process.env.TOP || 25).forEach(([k, v]) => console.log(v.toFixed(1).padStart(8), k));
})();
