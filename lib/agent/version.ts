/** Agent build version (bumped with protocol-relevant changes). */
export const AGENT_VERSION = '0.1.0';
