import { openSecret } from '@/lib/base/secret-box';
import type { TLoadedMember } from '@/lib/safety/load-safety-input';

/** The member's agent (bearer) or Patroni REST API (basic auth) credential, decrypted; null when none is stored. */
export const memberToken = (m: Pick<TLoadedMember, 'agentTokenEnc'>) => (m.agentTokenEnc ? openSecret(m.agentTokenEnc) : null);
