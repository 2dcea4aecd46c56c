export async function benchEndToEnd(): Promise<void> {
  console.log('e2e: pending');
}
