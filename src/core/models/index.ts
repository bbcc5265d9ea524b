export type { Architecture, BufferDef, ForwardOptions, InputShape, LayerOp, ParamDef, ParamKind } from './architecture';
export { ARCHITECTURES, getArchitecture, listArchitectures } from './registry';
export { Model, type TorchTensor } from './model';
export { tfjsShape, tfjsToTorch, torchToTfjs } from './layout';
export { decodeSafetensors, encodeSafetensors, modelFromSafetensors, modelToSafetensors } from './safetensors';
