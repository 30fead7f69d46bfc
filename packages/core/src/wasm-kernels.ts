import * as tf from "@tensorflow/tfjs-core";
import { MissingDependencyError } from "./errors.js";

/*
 * Training kernels for the wasm backend, composed from kernels wasm runs fast (XNNPACK convolutions,
 * pad, slice, transpose, reshape). tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter at all, its
 * Conv2DBackpropInput is a scalar loop, and its Tile is slow for the broadcasts of batch-norm
 * gradients. Each replacement is checked against the cpu backend in wasm-kernels.test.ts.
 */

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };
type TensorInfo = tf.TensorInfo;
type BackendWithRefs = tf.KernelBackend & { incRef(dataId: tf.DataId): void };

/** Wraps a kernel input as a Tensor that owns one extra reference (so disposing it frees nothing). */
function wrap(info: TensorInfo): tf.Tensor {
  const engine = tf.engine();
  const tensor = engine.makeTensorFromTensorInfo(info);
  (engine.backend as BackendWithRefs).incRef(info.dataId);
  return tensor;
}

/** Hands a Tensor computed inside a kernel to the engine as the kernel's output. */
function unwrap(tensor: tf.Tensor, backend: tf.KernelBackend): TensorInfo {
  (backend as BackendWithRefs).incRef(tensor.dataId);
  const out = { dataId: tensor.dataId, shape: tensor.shape, dtype: tensor.dtype };
  tensor.dispose();
  return out;
}

function convInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap) {
  const { strides, pad, dimRoundingMode, dataFormat } = attrs as unknown as {
    strides: [number, number] | number;
    pad: "same" | "valid" | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: "floor" | "round" | "ceil";
    dataFormat: "NHWC" | "NCHW";
  };
  if (dataFormat === "NCHW") {
    throw new Error("@contrastive/core wasm kernels: dataFormat NCHW is not supported on wasm; use NHWC (channels last)");
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
}

/**
 * dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh − top, ow·s + kw − left, ci] · dy[b, oh, ow, co]:
 * a convolution of x transposed to [Ci, H, W, B] with dy transposed to [OH, OW, B, Co] used as the
 * filter at dilation s, which XNNPACK runs as one GEMM.
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const xInfo = inputs.x as TensorInfo;
  const dyInfo = inputs.dy as TensorInfo;
  const { filterShape } = attrs as unknown as { filterShape: number[] };
  const info = convInfo(xInfo.shape, filterShape, attrs as tf.NamedAttrMap);
  const result = tf.tidy(() => {
    const x = wrap(xInfo) as tf.Tensor4D;
    const dy = wrap(dyInfo) as tf.Tensor4D;
    const { filterHeight, filterWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
    const { top, left } = info.padInfo;
    const needH = filterHeight + (outHeight - 1) * strideHeight;
    const needW = filterWidth + (outWidth - 1) * strideWidth;
    let padded = tf.pad(x, [
      [0, 0],
      [top, Math.max(0, needH - x.shape[1] - top)],
      [left, Math.max(0, needW - x.shape[2] - left)],
      [0, 0],
    ]);
    if (padded.shape[1] > needH || padded.shape[2] > needW) {
      padded = tf.slice(padded, [0, 0, 0, 0], [-1, needH, needW, -1]);
    }
    const xT = tf.transpose(padded, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const grad = tf.conv2d(xT, dyT, 1, "valid", "NHWC", [strideHeight, strideWidth]);
    return tf.transpose(grad, [1, 2, 0, 3]);
  });
  return unwrap(result, backend);
}

/**
 * dx as the transposed convolution, split into s_h·s_w sub-pixel phases: each phase is an ordinary
 * stride-1 convolution of dy with the taps of the flipped filter that land on it, and the phases
 * are interleaved by stack + reshape. No multiplications by inserted zeros. At stride 1 it is one
 * convolution with explicit padding (18–26 % faster than padding dy and slicing on ResNet shapes).
 */
function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const dyInfo = inputs.dy as TensorInfo;
  const filterInfo = inputs.filter as TensorInfo;
  const { inputShape } = attrs as unknown as { inputShape: number[] };
  const info = convInfo(inputShape, filterInfo.shape, attrs as tf.NamedAttrMap);
  const result = tf.tidy(() => {
    const dy = wrap(dyInfo) as tf.Tensor4D;
    const w = wrap(filterInfo) as tf.Tensor4D;
    const { batchSize, filterHeight, filterWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, inHeight, inWidth } = info;
    const { top, left } = info.padInfo;
    if (strideHeight === 1 && strideWidth === 1) {
      // Stride 1: dx is the convolution of dy with the flipped filter, padded so that exactly inHeight ×
      // inWidth rows and columns come out (no padded copy of dy, no extra row computed and sliced off).
      const pads = [filterHeight - 1 - top, inHeight - outHeight + top, filterWidth - 1 - left, inWidth - outWidth + left] as const;
      if (Math.min(...pads) >= 0) {
        const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        return tf.conv2d(dy, flipped, 1, [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]]);
      }
    }
    const rowsOut = Math.ceil((top + inHeight) / strideHeight);
    const colsOut = Math.ceil((left + inWidth) / strideWidth);
    const phaseRows: tf.Tensor4D[] = [];
    for (let ry = 0; ry < strideHeight; ry++) {
      const phaseCols: tf.Tensor4D[] = [];
      for (let rx = 0; rx < strideWidth; rx++) {
        const tapsY = Math.ceil((filterHeight - ry) / strideHeight);
        const tapsX = Math.ceil((filterWidth - rx) / strideWidth);
        if (tapsY <= 0 || tapsX <= 0) {
          phaseCols.push(tf.zeros([batchSize, rowsOut, colsOut, inChannels]));
          continue;
        }
        let sub: tf.Tensor4D = w;
        if (strideHeight > 1 || strideWidth > 1) {
          sub = tf.stridedSlice(w, [ry, rx, 0, 0], [filterHeight, filterWidth, w.shape[2], w.shape[3]], [strideHeight, strideWidth, 1, 1]) as tf.Tensor4D;
        }
        const flipped = tf.transpose(tf.reverse(sub, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const padded = tf.pad(dy, [
          [0, 0],
          [tapsY - 1, Math.max(0, rowsOut - outHeight)],
          [tapsX - 1, Math.max(0, colsOut - outWidth)],
          [0, 0],
        ]);
        let phase = tf.conv2d(padded, flipped, 1, "valid");
        if (phase.shape[1] !== rowsOut || phase.shape[2] !== colsOut) {
          phase = tf.slice(phase, [0, 0, 0, 0], [batchSize, rowsOut, colsOut, inChannels]);
        }
        phaseCols.push(phase);
      }
      phaseRows.push(
        strideWidth === 1 ? (phaseCols[0] as tf.Tensor4D) : tf.reshape(tf.stack(phaseCols, 3), [batchSize, rowsOut, colsOut * strideWidth, inChannels]),
      );
    }
    const full =
      strideHeight === 1
        ? (phaseRows[0] as tf.Tensor4D)
        : (tf.reshape(tf.stack(phaseRows, 2), [batchSize, rowsOut * strideHeight, colsOut * strideWidth, inChannels]) as tf.Tensor4D);
    if (top === 0 && left === 0 && full.shape[1] === inHeight && full.shape[2] === inWidth) return full;
    return tf.slice(full, [0, top, left, 0], [batchSize, inHeight, inWidth, inChannels]);
  });
  return unwrap(result, backend);
}

/** Tile of a tensor whose repeated dimensions have size 1 is a broadcast: add it to zeros. */
function tile(original: tf.KernelFunc) {
  return (args: KernelArgs): TensorInfo => {
    const x = args.inputs.x as TensorInfo;
    const { reps } = args.attrs as unknown as { reps: number[] };
    const broadcast = x.dtype === "float32" && x.shape.every((size, i) => (reps[i] ?? 1) === 1 || size === 1);
    if (!broadcast) return original(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    const result = tf.tidy(() => tf.add(wrap(x), tf.zeros(x.shape.map((size, i) => size * (reps[i] ?? 1)))));
    return unwrap(result, args.backend);
  };
}

/**
 * wasm's BatchMatMul is fast (XNNPACK) only without transposes; with `transposeA` or `transposeB`
 * (the backward pass of every matMul, and similarity matrices a·bᵀ) it is about 10× slower than an
 * explicit transpose followed by the plain product, which this does.
 */
function batchMatMul(original: tf.KernelFunc) {
  return (args: KernelArgs): TensorInfo => {
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    if ((!transposeA && !transposeB) || a.dtype !== "float32" || b.dtype !== "float32") {
      return original(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    const swapLast = (t: tf.Tensor) => tf.transpose(t, [...t.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)));
    const result = tf.tidy(() => {
      const left = transposeA ? swapLast(wrap(a)) : wrap(a);
      const right = transposeB ? swapLast(wrap(b)) : wrap(b);
      return tf.matMul(left, right);
    });
    return unwrap(result, args.backend);
  };
}

/**
 * Sum / Mean of an [N, H, W, C] tensor over (N, H, W) or (H, W): batch-norm statistics and their
 * gradients, and global average pooling. wasm's own reduction first transposes the reduced axes
 * innermost, about 6× slower on these shapes than XNNPACK's average pooling over the whole H×W
 * window, which this uses (then a small reduction over N). Other reductions go to the original kernels.
 */
function spatialReduction(kernelName: "Sum" | "Mean", original: tf.KernelFunc) {
  return (args: KernelArgs): TensorInfo => {
    const x = args.inputs.x as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b).join(",");
    const [n, height, width, channels] = x.shape as [number, number, number, number];
    const supported = x.dtype === "float32" && x.shape.length === 4 && (axes === "0,1,2" || axes === "1,2") && height * width > 1;
    if (!supported) return original(args as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    const result = tf.tidy(() => {
      const pooled = tf.reshape(tf.avgPool(wrap(x) as tf.Tensor4D, [height, width], 1, "valid"), [n, channels]);
      const windowScale = kernelName === "Sum" ? height * width : 1;
      if (axes === "1,2") {
        const perImage = windowScale === 1 ? pooled : tf.mul(pooled, windowScale);
        return keepDims ? tf.reshape(perImage, [n, 1, 1, channels]) : perImage;
      }
      const overBatch = kernelName === "Sum" ? tf.mul(tf.sum(pooled, 0), windowScale) : tf.mean(pooled, 0);
      return keepDims ? tf.reshape(overBatch, [1, 1, 1, channels]) : overBatch;
    });
    return unwrap(result, args.backend);
  };
}

/**
 * Registers the training kernels above for the `wasm` backend, keeping each replaced kernel's setup
 * (the wasm functions its fallback calls). Idempotent. `selectBackend` calls it when it picks wasm;
 * call it yourself, after importing `@tensorflow/tfjs-backend-wasm`, if you set the wasm backend by hand.
 *
 * @throws {MissingDependencyError} when `@tensorflow/tfjs-backend-wasm` has not been imported yet
 *   (its import would overwrite the kernels registered before it).
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm")?.kernelFunc === (conv2DBackpropFilter as unknown)) return;
  if (!tf.getKernel("Conv2D", "wasm")) {
    throw new MissingDependencyError({
      component: "registerWasmTrainingKernels",
      argument: "@tensorflow/tfjs-backend-wasm",
      received: "no wasm kernels registered",
      expected: "imported before this call (import '@tensorflow/tfjs-backend-wasm'), or use selectBackend('wasm')",
    });
  }
  const replace = (kernelName: string, make: (original: tf.KernelFunc) => (args: KernelArgs) => TensorInfo) => {
    const original = tf.getKernel(kernelName, "wasm");
    const missing: tf.KernelFunc = () => {
      throw new Error(`tfjs-backend-wasm has no ${kernelName} kernel`);
    };
    if (original) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc: make(original?.kernelFunc ?? missing) as unknown as tf.KernelFunc,
      ...(original?.setupFunc ? { setupFunc: original.setupFunc } : {}),
      ...(original?.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
    });
  };
  replace("Conv2DBackpropFilter", () => conv2DBackpropFilter);
  replace("Conv2DBackpropInput", () => conv2DBackpropInput);
  replace("Tile", tile);
  replace("BatchMatMul", batchMatMul);
  replace("Sum", (original) => spatialReduction("Sum", original));
  replace("Mean", (original) => spatialReduction("Mean", original));
}
