import type { BulkNoticeBody, BulkNoticeResult, Notice, NoticeCounts, NoticeLink, NoticePage, NoticeQuery, NoticeSeverity, NoticeSource, UpdateNoticeBody } from '@autopilot/contracts';

/** What a feature hands the center to tell people something. */
export interface NoticeDraft {
  source: NoticeSource;
  kind: string;
  severity: NoticeSeverity;
  title: string;
  body?: string;
  sessionId?: string | null;
  repo?: string | null;
  links?: NoticeLink[];
  /** Repeats with the same key (while the entry is open) are grouped: count + 1, unread again. Default source:kind:session/repo. */
  groupKey?: string;
  /**
   * The entry's id, when the source has a stable one (a keeper notification's id, `batch:<id>`): raising an id that
   * exists already changes nothing and returns that entry (once per source row). Default: a new id.
   */
  id?: string;
  /** The source's own id (a keeper notification id): changes made in the center go back to the source. */
  ref?: string;
}

/** The notification center, for other features (channels raise "channel disabled", hooks raise `notify`). */
export interface InboxService {
  raise(workspaceId: string, draft: NoticeDraft): Promise<Notice>;
  list(workspaceId: string, q: NoticeQuery): Promise<NoticePage>;
  counts(workspaceId: string): Promise<NoticeCounts>;
  get(workspaceId: string, id: string): Promise<Notice>;
  update(workspaceId: string, id: string, body: UpdateNoticeBody): Promise<Notice>;
  bulk(workspaceId: string, body: BulkNoticeBody): Promise<BulkNoticeResult>;
}

/** Read / dismissed changes made in the center on a keeper notification go back to the keeper's own row. */
export interface KeeperNotificationPort {
  updateNotification(workspaceId: string, id: string, patch: { read?: boolean; dismissed?: boolean }): Promise<unknown>;
}
