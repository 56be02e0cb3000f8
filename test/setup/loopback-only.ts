import net from 'node:net';

/**
 * Test-wide guard: sockets may only connect to this machine (127.0.0.0/8, ::1, localhost, unix sockets). A test
 * that would reach the internet (say, an account left pointing at the public Jules API) fails loudly instead.
 */
const original = net.Socket.prototype.connect;
const isLocal = (host: string | undefined) =>
  host === undefined || host === 'localhost' || host === '::1' || host === '0.0.0.0' || /^127\./.test(host) || /^::ffff:127\./.test(host);

net.Socket.prototype.connect = function patched(this: net.Socket, ...args: any[]) {
  const first = args[0];
  const opts = Array.isArray(first) ? first[0] : first;
  const host: string | undefined = typeof opts === 'object' && opts !== null ? (opts.path ? undefined : opts.host) : typeof args[1] === 'string' ? args[1] : undefined;
  if (!isLocal(host)) {
    const err = new Error(`test tried to connect to ${host}: tests may only reach 127.0.0.1`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return (original as any).apply(this, args);
} as typeof net.Socket.prototype.connect;
