import { useMe } from '../../lib/api';
import { RANK } from '../settings/settings-ui';
import { ChannelDetail } from './ChannelDetail';
import { ChannelList } from './ChannelList';
import './channels.css';

/** /channels (the list and the add dialog) and /channels/:id (one channel's deliveries and attempts). */
export function ChannelsPage({ id }: { id?: string }) {
  const me = useMe();
  const role = me.data?.key.role ?? 'viewer';
  // Members send tests and retry deliveries; admins and owners manage channels; viewers only look.
  const canTest = RANK[role] >= RANK.member;
  const canManage = RANK[role] >= RANK.admin;
  return id ? <ChannelDetail id={id} canTest={canTest} canManage={canManage} /> : <ChannelList canTest={canTest} canManage={canManage} />;
}
