export { tf, initEngine, engineInfo, memory, wasmDir, BACKEND_CHOICES, type BackendChoice } from './backend';
export { conv2d, maxPool2d, relu, linear, flattenTorchOrder, crossEntropy } from './ops';
export { Rng } from './random';
export { KERNEL_SUPPLEMENTS } from './kernels';
