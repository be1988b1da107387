/**
 * Who is who in Slack: the email a person's Slack profile holds (verified by Slack: users.info needs
 * the `users:read.email` scope), and the Slack member for an employee's email. The product trusts
 * only these, never an email typed into a message.
 */
import type { webApi } from '@slack/bolt';
import { z } from 'zod';

type WebClient = webApi.WebClient;

const SlackUserIdSchema = z.string().regex(/^[UW][A-Z0-9]{2,30}$/);
const UserInfoSchema = z.object({
  user: z.object({
    id: z.string(),
    deleted: z.boolean().optional(),
    is_bot: z.boolean().optional(),
    is_restricted: z.boolean().optional(),
    profile: z.object({ email: z.string().max(320).optional() }).optional(),
  }),
});

/** The person's email as Slack verified it, lower-case; undefined for bots, deactivated users or no email. */
export async function verifiedEmail(client: WebClient, slackUserId: string): Promise<string | undefined> {
  if (!SlackUserIdSchema.safeParse(slackUserId).success) return undefined;
  const parsed = UserInfoSchema.safeParse(await client.users.info({ user: slackUserId }));
  if (!parsed.success) return undefined;
  const { user } = parsed.data;
  const email = user.profile?.email?.trim().toLowerCase();
  if (user.deleted || user.is_bot || !email || !z.email().safeParse(email).success) return undefined;
  return email;
}

/** The Slack member whose profile email is `email`, or undefined when there is none. */
export async function slackUserByEmail(client: WebClient, email: string): Promise<string | undefined> {
  try {
    const res = await client.users.lookupByEmail({ email });
    const id = res.user?.id;
    return id && SlackUserIdSchema.safeParse(id).success && !res.user?.deleted ? id : undefined;
  } catch (err) {
    if ((err as { data?: { error?: string } }).data?.error === 'users_not_found') return undefined;
    throw err;
  }
}
