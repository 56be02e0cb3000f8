import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, type ConnectionOptions } from './usage';

/*
 * Profiles: named connections ({ url, key }) in one JSON file, `$AUTOPILOT_CONFIG` or
 * `~/.config/autopilot/config.json`, written by `autopilot login` with mode 0600 (it holds API keys).
 *
 * A command's connection: --url/--key first, then $AUTOPILOT_URL/$AUTOPILOT_KEY, then the profile (--profile,
 * else $AUTOPILOT_PROFILE, else the file's current one). A profile named with --profile outranks the environment.
 */

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface Profile {
  url: string;
  key: string;
}

export interface ProfileFile {
  /** The profile used when none is named. */
  current?: string;
  profiles: Record<string, Profile>;
}

export const configPath = () => process.env.AUTOPILOT_CONFIG || path.join(os.homedir(), '.config', 'autopilot', 'config.json');

/** The profile file, or an empty one when there is none; a file that is not ours is a usage error, not a crash. */
export function readProfiles(file = configPath()): ProfileFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new UsageError(`cannot read the profile file ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as ProfileFile;
    if (!parsed || typeof parsed !== 'object' || typeof parsed.profiles !== 'object' || parsed.profiles === null) throw new Error('no "profiles" object');
    return parsed;
  } catch (err) {
    throw new UsageError(`the profile file ${file} is not valid (${(err as Error).message}): fix it or run \`autopilot login\` again`);
  }
}

/** Saves a profile (and makes it current), creating the file with mode 0600 and its folder with 0700. */
export function saveProfile(name: string, profile: Profile, file = configPath()): void {
  const data = readProfiles(file);
  data.profiles[name] = profile;
  data.current = name;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, 0o600);
}

/** Where a command connects to, and with which key. */
export function resolveConnection(o: ConnectionOptions): Profile & { profile?: string } {
  const env = process.env;
  const named = o.profile ?? env.AUTOPILOT_PROFILE;
  const needProfile = !o.url || !o.key;
  let profile: Profile | undefined;
  let profileName: string | undefined;
  if (needProfile) {
    const file = readProfiles();
    profileName = named ?? file.current ?? 'default';
    profile = file.profiles[profileName];
    if (named && !profile) throw new UsageError(`no profile "${named}" in ${configPath()}: save it with \`autopilot login --url URL --key KEY --profile ${named}\``);
  }
  const explicit = o.profile !== undefined;
  const url = o.url ?? (explicit ? profile?.url : (env.AUTOPILOT_URL || profile?.url)) ?? DEFAULT_URL;
  const key = o.key ?? (explicit ? profile?.key : (env.AUTOPILOT_KEY || profile?.key));
  if (!key) throw new UsageError('no API key: pass --key, set AUTOPILOT_KEY, or save one with `autopilot login --url URL --key KEY`');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new UsageError(`"${url}" is not an http(s) URL`);
  }
  return { url: url.replace(/\/+$/, ''), key, ...(profileName && profile ? { profile: profileName } : {}) };
}
