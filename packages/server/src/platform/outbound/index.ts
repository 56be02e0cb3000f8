export { createOutbound, type Outbound, type OutboundClient, type OutboundOptions } from './outbound';
export { OutboundUnreachable, OutboundUrlRejected, findOutboundError } from './errors';
export { classifyAddress, parseIpLiteral, type AddressVerdict } from './address';
export { parseAllowList, parseAllowEntry, type AllowEntry } from './allow';
export { pickTarget, systemResolver, type Resolver } from './guard';
