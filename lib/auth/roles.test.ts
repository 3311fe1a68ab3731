import { describe, expect, it } from 'vitest';
import { canWriteContext, fromDbRole, hasRole, ROLES, toDbRole, type TRole } from './roles';

describe('hasRole (viewer < service-owner < operator < admin)', () => {
  const table: [TRole, TRole, boolean][] = [
    ['viewer', 'viewer', true],
    ['viewer', 'service-owner', false],
    ['viewer', 'operator', false],
    ['service-owner', 'viewer', true],
    ['service-owner', 'service-owner', true],
    ['service-owner', 'operator', false],
    ['operator', 'service-owner', true],
    ['operator', 'operator', true],
    ['operator', 'admin', false],
    ['admin', 'operator', true],
    ['admin', 'admin', true],
  ];
  it.each(table)('%s may act as %s: %s', (role, required, expected) => {
    expect(hasRole(role, required)).toBe(expected);
  });
});

describe('canWriteContext', () => {
  const table: [string, { role: TRole; teams: string[] }, string, boolean][] = [
    ['viewer in the team', { role: 'viewer', teams: ['inv'] }, 'inv', false],
    ['service owner of the team', { role: 'service-owner', teams: ['inv'] }, 'inv', true],
    ['service owner of another team', { role: 'service-owner', teams: ['billing'] }, 'inv', false],
    ['service owner with no team', { role: 'service-owner', teams: [] }, 'inv', false],
    ['operator in the team', { role: 'operator', teams: ['inv'] }, 'inv', true],
    ['operator outside the team', { role: 'operator', teams: [] }, 'inv', false],
    ['admin in no team', { role: 'admin', teams: [] }, 'inv', true],
  ];
  it.each(table)('%s', (_name, actor, team, expected) => {
    expect(canWriteContext(actor, team)).toBe(expected);
  });
});

it('database role names round-trip', () => {
  for (const r of ROLES) expect(fromDbRole(toDbRole(r))).toBe(r);
  expect(toDbRole('service-owner')).toBe('service_owner');
});
