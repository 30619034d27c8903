import * as tf from "@tensorflow/tfjs";

/**
 * `rows [N, in] · kernel [in, out]` whose gradients transpose first: autodiff's
 * `matMul(x, dy, transposeA)` for the kernel's gradient is ~5× slower on wasm (7.1 of 10 s of a
 * 32-image step of a localizer's backbone tail; 3.3 of 5.9 s for its head's rows). The same
 * product and gradients as `tf.matMul`, for autodiff through dense layers over many rows.
 */
export const rowProduct = tf.customGrad(((rows: tf.Tensor, kernel: tf.Tensor, save: tf.GradSaveFunc) => {
  save([rows, kernel]);
  return {
    value: tf.matMul(rows as tf.Tensor2D, kernel as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [x, k] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(k)), tf.matMul(tf.transpose(x), dy as tf.Tensor2D)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (rows: tf.Tensor, kernel: tf.Tensor) => tf.Tensor2D;
