/**
 * The one registry of architectures. Adding an architecture is adding one file and one line here.
 */
import { LabError } from '../../shared/errors';
import type { ArchitectureInfo } from '../../shared/schemas';
import type { Architecture } from './architecture';
import { cnnBn } from './cnn-bn';
import { mlp } from './mlp';
import { mnistCnn } from './mnist-cnn';
import { resnet } from './resnet';
import { storedArchitecture, storedArchitectureRows } from './stored';

export const ARCHITECTURES: Record<string, Architecture> = {
  [mlp.name]: mlp,
  [mnistCnn.name]: mnistCnn,
  [cnnBn.name]: cnnBn,
  [resnet.name]: resnet,
};

export function getArchitecture(name: string): Architecture {
  // Built-in first, then the layer-list architectures stored in the lab (./stored).
  const arch = Object.prototype.hasOwnProperty.call(ARCHITECTURES, name) ? ARCHITECTURES[name] : storedArchitecture(name);
  if (!arch) {
    throw new LabError(
      'bad_input',
      `Unknown architecture "${name}". Known: ${[...Object.keys(ARCHITECTURES), ...storedArchitectureRows().map((r) => r.name)].join(', ')}.`,
    );
  }
  return arch;
}

export function listArchitectures(): ArchitectureInfo[] {
  const stored = storedArchitectureRows().map((r) => getArchitecture(r.name));
  return [...Object.values(ARCHITECTURES), ...stored].map(({ name, title, description, layers }) => ({ name, title, description, certifiable: !!layers }));
}

/** Names of the architectures bound propagation can follow (those with a layer list), for messages. */
export function certifiableArchitectures(): string[] {
  return listArchitectures()
    .filter((a) => a.certifiable)
    .map((a) => a.name);
}
