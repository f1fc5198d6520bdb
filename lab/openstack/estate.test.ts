import { describe, expect, it } from 'vitest';
import { FIXED_KEY_ID } from '@/lib/openstack/schemas';
import { generateOpenStackEstate } from './estate';

describe('generateOpenStackEstate', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateOpenStackEstate({ seed: 4 });
    const b = generateOpenStackEstate({ seed: 4 });
    const c = generateOpenStackEstate({ seed: 5 });
    expect(a.volumes.map((v) => [v.id, v.keyId, v.host])).toEqual(b.volumes.map((v) => [v.id, v.keyId, v.host]));
    expect(a.volumes.map((v) => v.id)).not.toEqual(c.volumes.map((v) => v.id));
  });

  it('makes keys the way Cinder and Castellan make them', () => {
    const e = generateOpenStackEstate({ seed: 2, volumes: 300, snapshots: 60, backups: 60 });
    const secrets = new Map(e.secrets.map((s) => [s.id, s]));
    const origins = { none: 0, fixed: 0, migrated: 0, barbican: 0 };
    for (const v of e.volumes) {
      const origin = e.keyOrigin.get(v.id)!;
      origins[origin] += 1;
      if (origin === 'none') expect(v.keyId).toBeNull();
      if (origin === 'fixed') expect(v.keyId).toBe(FIXED_KEY_ID);
      if (origin === 'migrated') {
        // Cinder's migration: service project, created by the cinder user, read ACL for the volume's user.
        expect(secrets.get(v.keyId!)).toMatchObject({ projectId: e.serviceProject.id, creatorId: e.cinderUser.id, algorithm: 'AES', acl: { users: [v.userId] } });
      }
      if (origin === 'barbican') {
        // Castellan's order under the user's token: the user's project, no ACL.
        expect(secrets.get(v.keyId!)).toMatchObject({ projectId: v.projectId, creatorId: v.userId, algorithm: 'aes', acl: null });
      }
      expect(v.host).toMatch(/^cinder-\d+@lvm#lvm-pool$/);
    }
    for (const k of Object.values(origins)) expect(k).toBeGreaterThan(20);
    for (const s of e.snapshots) expect(s.keyId).toBe(e.volumes.find((v) => v.id === s.volumeId)!.keyId);
    // Backups of encrypted volumes have their own key (or the all-zero one).
    for (const b of e.backups) {
      const v = e.volumes.find((x) => x.id === b.volumeId)!;
      if (v.keyId === null) expect(b.keyId).toBeNull();
      else if (v.keyId === FIXED_KEY_ID) expect(b.keyId).toBe(FIXED_KEY_ID);
      else expect(b.keyId).not.toBe(v.keyId);
    }
    expect(e.services.map((s) => `${s.binary} ${s.host}`)).toEqual(['cinder-scheduler controller-1', 'cinder-volume cinder-1@lvm', 'cinder-volume cinder-2@lvm', 'cinder-volume cinder-3@lvm', 'cinder-backup cinder-1', 'cinder-backup cinder-2']);
  });

  it('gives the roles the guide describes', () => {
    const e = generateOpenStackEstate({});
    expect([...e.cinderUser.roles.get(e.serviceProject.id)!]).toContain('creator');
    expect([...generateOpenStackEstate({ cinderCreatorRole: false }).cinderUser.roles.values()].flatMap((r) => [...r])).not.toContain('creator');
    expect([...e.keywatchUser.roles.get(e.serviceProject.id)!]).toContain('admin');
  });

  it('generates the benchmark size', () => {
    const e = generateOpenStackEstate({ volumes: 20_000, snapshots: 5_000, backups: 5_000, projects: 50, cinderHosts: 10, backupHosts: 4 });
    expect(e.volumes).toHaveLength(20_000);
    expect(new Set(e.volumes.map((v) => v.projectId)).size).toBe(50);
    expect(e.backups).toHaveLength(5_000);
  });

  it('refuses inconsistent options', () => {
    expect(() => generateOpenStackEstate({ cinderHosts: 2, backupHosts: 3 })).toThrow(/backupHosts cannot exceed cinderHosts/);
    expect(() => generateOpenStackEstate({ volumes: -1 })).toThrow();
  });
});
