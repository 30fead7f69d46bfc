const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-wasm');
require('@tensorflow/tfjs-backend-cpu');
console.log('grad Conv2D (core only):', !!tf.getGradient('Conv2D'));
(async () => {
  await tf.setBackend('wasm'); await tf.ready();
  console.log(tf.getBackend());
  console.log('wasm Conv2DBackpropFilter', !!tf.getKernel('Conv2DBackpropFilter','wasm'), 'Input', !!tf.getKernel('Conv2DBackpropInput','wasm'));
  require('@tensorflow/tfjs');
  console.log('grad after umbrella:', !!tf.getGradient('Conv2D'));
  const ks = ['CropAndResize','TopK','FusedBatchNorm','StridedSlice','PadV2','BatchMatMul','_FusedMatMul','FusedConv2D','Conv2D','MaxPool','MaxPoolGrad','AvgPool','AvgPoolGrad','Mean','Sum','Relu','Softmax','LogSoftmax','Exp','Log','Max','Transpose','Concat','Pack','ClipByValue','Sqrt','Rsqrt','Square','SquaredDifference','Prod','Tile','GatherV2','ScatterNd','UnsortedSegmentSum','ReluGrad','Select','Step', 'OneHot','Cumsum','Max','Maximum','Less','Greater','Where'];
  console.log('missing on wasm:', ks.filter(k=>!tf.getKernel(k,'wasm')));
})();
