/** The job cannot run as defined; raised when the graph is built, with what to change. */
export class GraphError extends Error {
  override readonly name = 'GraphError';
}
