/** Resolves after `ms` milliseconds: the pause between two passes of a polling loop. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
