export async function runDemo(_o: { jobs: number }): Promise<void> {}
