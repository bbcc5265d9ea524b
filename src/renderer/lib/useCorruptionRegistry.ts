/** The corruption registry as a hook, fetched once per page load and shared by every component. */
import { useEffect, useState } from 'react';
import { lab } from '../api/client';
import type { CorruptionInfo } from '../../shared/schemas';

let registryPromise: Promise<CorruptionInfo[]> | null = null;

/** The corruption registry, fetched once per page load (titles for recipe steps shown anywhere). */
export function useCorruptionRegistry(): CorruptionInfo[] | undefined {
  const [list, setList] = useState<CorruptionInfo[] | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    registryPromise ??= lab.listCorruptions({}).catch((err) => {
      registryPromise = null;
      throw err;
    });
    registryPromise.then(
      (l) => alive && setList(l),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, []);
  return list;
}
