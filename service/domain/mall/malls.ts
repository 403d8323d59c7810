import type { Brand, BrandRepository } from '../../repositories/brandRepository.js';
import type { Mall, MallRepository, Store } from '../../repositories/mallRepository.js';
import { brandAlreadyExists, brandNotFound, invalidInput, mallAlreadyExists, mallNotFound, storeAlreadyExists, storeNotFound } from '../errors.js';

/** Which malls a caller may see: all of them, or only the one its key is bound to. */
export type MallScope = { mallId: string | null };

const inScope = (scope: MallScope, mallId: string): boolean => scope.mallId === null || scope.mallId === mallId;

/**
 * The group's malls, their stores and the stores' brands. A key bound to a mall sees only that
 * mall and its stores: another mall's is answered as not found (nothing about it is revealed).
 */
export class MallService {
  constructor(
    private readonly malls: MallRepository,
    private readonly brands: BrandRepository,
  ) {}

  async createMall(input: { id: string; name: string; timeZone?: string }): Promise<Mall> {
    const mall = await this.malls.createMall({ id: input.id, name: input.name, timeZone: input.timeZone ?? null });
    if (!mall) throw mallAlreadyExists(input.id);
    return mall;
  }

  async listMalls(scope: MallScope): Promise<Mall[]> {
    return (await this.malls.listMalls()).filter((mall) => inScope(scope, mall.id));
  }

  async getMall(id: string, scope: MallScope): Promise<Mall> {
    const mall = inScope(scope, id) ? await this.malls.findMall(id) : undefined;
    if (!mall) throw mallNotFound(id);
    return mall;
  }

  /** The malls a caller asks about: the one named (if in scope), else every mall in scope. */
  async mallIdsFor(scope: MallScope, mallId?: string): Promise<string[]> {
    if (mallId !== undefined) return [(await this.getMall(mallId, scope)).id];
    return (await this.listMalls(scope)).map((mall) => mall.id);
  }

  async updateMall(id: string, patch: { name?: string; timeZone?: string | null }): Promise<Mall> {
    const mall = await this.malls.updateMall(id, patch);
    if (!mall) throw mallNotFound(id);
    return mall;
  }

  async createStore(input: { id: string; mallId: string; name: string; brand?: string }): Promise<Store> {
    if (input.brand !== undefined) await this.brands.ensure(input.brand);
    const written = await this.malls.createStore({ ...input, brand: input.brand ?? null });
    if ('unknownMall' in written) throw mallNotFound(input.mallId);
    if ('conflict' in written) throw storeAlreadyExists(input.id);
    return written.ok;
  }

  async listStores(scope: MallScope, mallId?: string): Promise<Store[]> {
    if (mallId !== undefined && !inScope(scope, mallId)) throw mallNotFound(mallId);
    return this.malls.listStores(mallId ?? scope.mallId ?? undefined);
  }

  async getStore(id: string, scope: MallScope): Promise<Store> {
    const store = await this.malls.findStore(id);
    if (!store || !inScope(scope, store.mallId)) throw storeNotFound(id);
    return store;
  }

  async updateStore(id: string, patch: { mallId?: string; name?: string; brand?: string | null }): Promise<Store> {
    if (patch.brand) await this.brands.ensure(patch.brand);
    const written = await this.malls.updateStore(id, patch);
    if ('unknownMall' in written) throw mallNotFound(patch.mallId);
    if ('conflict' in written || !written.ok) throw storeNotFound(id);
    return written.ok;
  }

  /** A brand, of a group or none (a brand a store names is created with the store, to be named and grouped here). */
  async createBrand(input: { id: string; name: string; groupId?: string }): Promise<Brand> {
    const brand = await this.brands.create({ id: input.id, name: input.name, groupId: input.groupId ?? null });
    if (!brand) throw brandAlreadyExists(input.id);
    return brand;
  }

  listBrands(groupId?: string): Promise<Brand[]> {
    return this.brands.list(groupId);
  }

  async updateBrand(id: string, patch: { name?: string; groupId?: string | null }): Promise<Brand> {
    const brand = await this.brands.update(id, patch);
    if (!brand) throw brandNotFound(id);
    return brand;
  }

  /**
   * The mall and store an API key is bound to, checked: a store names its mall; a mall and a store
   * together must agree.
   */
  async bindingOf(input: { mallId?: string; storeId?: string }): Promise<{ mallId: string | null; storeId: string | null }> {
    if (input.storeId !== undefined) {
      const store = await this.malls.findStore(input.storeId);
      if (!store) throw storeNotFound(input.storeId);
      if (input.mallId !== undefined && input.mallId !== store.mallId) throw invalidInput(`store ${store.id} is in mall ${store.mallId}, not ${input.mallId}`);
      return { mallId: store.mallId, storeId: store.id };
    }
    if (input.mallId !== undefined && !(await this.malls.findMall(input.mallId))) throw mallNotFound(input.mallId);
    return { mallId: input.mallId ?? null, storeId: null };
  }
}
