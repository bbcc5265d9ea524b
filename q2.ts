import { initEngine, tf } from './src/core/engine/backend';
await initEngine({ force: 'cpu' });
for (const [N,H,ci,co] of [[128,28,1,32],[128,13,32,64]]) {
  const x = tf.randomNormal([N,H,H,ci]) as tf.Tensor4D; const dy = tf.randomNormal([N,H-2,H-2,co]) as tf.Tensor4D;
  let t0 = performance.now();
  const r = tf.engine().runKernel('Conv2DBackpropFilter', {x, dy}, {strides:[1,1], pad:'valid', dataFormat:'NHWC', filterShape:[3,3,ci,co]}) as tf.Tensor; r.dataSync();
  console.log('native', N,H,ci,co, (performance.now()-t0).toFixed(0));
  t0 = performance.now();
  const xt = tf.transpose(x,[3,1,2,0]) as tf.Tensor4D; const dyt = tf.transpose(dy,[1,2,0,3]) as tf.Tensor4D;
  const c = tf.transpose(tf.slice(tf.conv2d(xt, dyt, 1, 'valid'), [0,0,0,0],[-1,3,3,-1]), [1,2,0,3]); c.dataSync();
  console.log('composite', (performance.now()-t0).toFixed(0), tf.max(tf.abs(tf.sub(c, r))).dataSync()[0]);
}
