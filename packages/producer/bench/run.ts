import { benchEncode } from './encode.js';

const only = process.argv[2];
if (!only || only === 'encode') await benchEncode();
if (!only || only === 'e2e') {
  const { benchEndToEnd } = await import('./end-to-end.js');
  await benchEndToEnd();
}
if (!only || only.startsWith('backlog')) {
  const { benchBacklog } = await import('./backlog.js');
  await benchBacklog(only?.split(':')[1]);
}
