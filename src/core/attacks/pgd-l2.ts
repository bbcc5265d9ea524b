/**
 * PGD under an L2 budget (`pgd-l2`): random start uniform in the L2 ball, steps along the
 * gradient scaled to unit L2 length, projection back onto the ball (scaling the perturbation
 * down) and the pixel range. Targeted like PGD. The loop is shared with L-inf PGD (./pgd.ts).
 */
import type { Attack } from './attack';
import { makePgd } from './pgd';

export const pgdL2: Attack = makePgd('l2');
