import type { Queryable } from '../service/db/pool.js';
import type { FaceModelSpec } from '../models/faceModels.js';
import type { SyntheticGallery } from './syntheticFaces.js';

/**
 * Writes a synthetic gallery to PostgreSQL before a service starts on it: a consenting member per
 * identity and their templates, a thousand rows a statement. Returns the members' ids, by identity.
 */
export async function seedGallery(db: Queryable, model: Pick<FaceModelSpec, 'name' | 'version'>, gallery: SyntheticGallery): Promise<string[]> {
  const templates = gallery.descriptors.length;
  const identities = gallery.identityOf[templates - 1]! + 1;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO members (name, consent_face_recognition, consent_source, consent_at)
     SELECT 'Member ' || n, true, 'bench', now() FROM generate_series(1, $1) AS n RETURNING id`,
    [identities],
  );
  const memberIds = rows.map((r) => r.id);
  for (let start = 0; start < templates; start += 1000) {
    const values: string[] = [];
    const params: unknown[] = [model.name, model.version];
    for (let i = start; i < Math.min(templates, start + 1000); i++) {
      params.push(memberIds[gallery.identityOf[i]!], Array.from(gallery.descriptors[i]!));
      values.push(`($${params.length - 1}, $${params.length}, $1, $2, '{}', '{}')`);
    }
    await db.query(`INSERT INTO face_templates (member_id, descriptor, model_name, model_version, box, quality) VALUES ${values.join(', ')}`, params);
  }
  return memberIds;
}
