import type { ProjectRow, Store } from '../store/types.js'

/**
 * A dataset belongs to one project: its pseudonyms are made with that project's key, so two
 * projects seeing it could link theirs. This is the one place the rule is asked; the store's
 * unique index (migration 6) holds it against races.
 */

/** The project other than `projectId` (null: any project) that `datasetId` is granted to, or null. */
export async function projectHoldingDataset(
  store: Pick<Store, 'getDatasetProject'>,
  datasetId: string,
  projectId: string | null
): Promise<ProjectRow | null> {
  const holder = await store.getDatasetProject(datasetId)
  return holder !== null && holder.id !== projectId ? holder : null
}

/** Why `datasetName` cannot go to another project than `holder`, in words an administrator acts on. */
export function heldElsewhere(datasetName: string, holder: Pick<ProjectRow, 'title'>): string {
  return `the dataset ${datasetName} is granted to the project "${holder.title}"; its pseudonyms are that project's`
}
