import { checkpointStorageContract } from '../storage/checkpoint-storage.contract.ts';
import { InMemoryCheckpointStorage } from './in-memory-storage.ts';

checkpointStorageContract('InMemoryCheckpointStorage', async () => {
  const storage = new InMemoryCheckpointStorage({ inlineThreshold: 64 });
  return {
    storage,
    inlineThreshold: 64,
    savepointTarget: '/savepoints',
    damage: async (location, handle, how) => storage.damage(location, handle, how),
    removeMetadata: async (location) => storage.removeMetadata(location),
    cleanup: async () => {},
  };
});
