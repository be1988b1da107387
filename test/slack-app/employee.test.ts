import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUserRateLimit } from '../../client/slack-app/rate-limit.js';
import { selfServiceWorkflowId } from '../../workflows/self-service/messages.js';
import { eventually } from '../helpers/eventually.js';
import { slackFixture, SIGNING_SECRET, type SlackFixture } from './fixture.js';
import { buttonsOf, postToSlackApp, slackSignature } from './fake-slack.js';

describe('Slack app: employees', () => {
  let f: SlackFixture;
  before(async () => {
    f = await slackFixture();
  });
  after(async () => {
    await f?.close();
    await f?.temporal.close();
  });

  const responsesTo = (url: string) => f.slack.responses.filter((r) => r.url === new URL(url).pathname).map((r) => r.body);
  /** Everything sent into a channel (not a DM, not ephemeral): a reset link must never be there. */
  const channelPosts = () => f.slack.callsOf('chat.postMessage').filter((c) => String(c.args.channel).startsWith('C'));

  it('refuses unsigned, forged and stale requests before any handler runs; answers the URL check', async () => {
    const someone = await f.person();
    const unsigned = await f.command(someone.slackId, 'password', { sign: false });
    const forged = await f.command(someone.slackId, 'password', { secret: 'not-the-signing-secret-000000' });
    const stale = await f.command(someone.slackId, 'password', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    assert.deepEqual([unsigned.status, forged.status, stale.status], [401, 401, 401]);
    // A body changed after signing does not pass either.
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${f.app.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SIGNING_SECRET, ts, '{"type":"url_verification","challenge":"a"}') },
      body: '{"type":"url_verification","challenge":"b"}',
    });
    assert.equal(res.status, 401);
    assert.equal(f.slack.callsOf('users.info').length, 0, 'no handler ran');
    assert.equal(f.slack.responses.length, 0);
    const check = await postToSlackApp(`${f.app.url}/slack/events`, JSON.stringify({ type: 'url_verification', challenge: 'chal-123', token: 'x' }), 'application/json', { secret: SIGNING_SECRET });
    assert.equal(check.status, 200);
    assert.match(check.text, /chal-123/);
  });

  it('/okta password: the link goes ephemeral to the employee alone, for their own account whatever they type', async () => {
    const alice = await f.person();
    const bob = await f.person();
    const sent = await f.command(alice.slackId, `password ${bob.login}`);
    assert.equal(sent.status, 200);
    assert.equal(JSON.parse(sent.text).response_type, 'ephemeral');
    const [answer] = await eventually('the answer on the response URL', async () => responsesTo(sent.responseUrl).length > 0 && responsesTo(sent.responseUrl));
    assert.equal(answer!.response_type, 'ephemeral');
    assert.match(String(answer!.text), /reset link/);
    const link = /https?:\/\/\S+\/reset_password\/\S+/.exec(String(answer!.text))?.[0];
    assert.ok(link, 'the link is in the ephemeral answer');
    // The requester is who Slack says clicked (users.info), and the account is theirs, not the typed one.
    assert.ok(f.slack.callsOf('users.info').some((c) => c.args.user === alice.slackId));
    const run = await f.client.workflow.getHandle(selfServiceWorkflowId('reset-password', alice.login)).result();
    assert.equal(run.outcome, 'link-issued');
    assert.equal((await f.sim.control.getUser(bob.oktaId)).status, 'ACTIVE', "bob's account untouched");
    assert.equal(channelPosts().length, 0);
    assert.ok(!JSON.stringify(f.slack.calls).includes(link), 'the link went through no Web API call');
    assert.ok(!f.logs.join('\n').includes('reset_password'), 'the link is not logged');
  });

  it('/okta mfa: factor buttons; only the requester can pick, and only the picked factor is reset', async () => {
    const carl = await f.person({ factors: [{ factorType: 'push' }, { factorType: 'sms' }] });
    const colleague = await f.person();
    const sent = await f.command(carl.slackId, 'mfa');
    const [choice] = await eventually('the factor choice', async () => responsesTo(sent.responseUrl).length > 0 && responsesTo(sent.responseUrl));
    const buttons = buttonsOf(choice!.blocks);
    const factors = await f.sim.control.listFactors(carl.oktaId);
    const push = factors.find((x) => x.factorType === 'push')!;
    const pushButton = buttons.find((b) => (JSON.parse(b.value) as { f: string[] }).f.join() === push.id)!;
    assert.ok(pushButton, 'one button per factor');
    assert.ok(buttons.some((b) => /all/i.test(b.text.text)), 'and one for all of them');

    // A colleague replaying the click is refused by the workflow (the choice belongs to the requester).
    const theirs = f.slack.responseUrl();
    await f.click({ userId: colleague.slackId, actionId: pushButton.action_id, value: pushButton.value, responseUrl: theirs });
    const [refused] = await eventually('the refusal', async () => responsesTo(theirs).length > 0 && responsesTo(theirs));
    assert.doesNotMatch(String(refused!.text), /were reset/);
    assert.equal((await f.sim.control.listFactors(carl.oktaId)).length, 2);

    const mine = f.slack.responseUrl();
    const click = await f.click({ userId: carl.slackId, actionId: pushButton.action_id, value: pushButton.value, responseUrl: mine });
    assert.equal(click.status, 200);
    const [done] = await eventually('the outcome', async () => responsesTo(mine).length > 0 && responsesTo(mine));
    assert.equal(done!.replace_original, true);
    assert.match(String(done!.text), /MFA factors were reset/);
    assert.deepEqual((await f.sim.control.listFactors(carl.oktaId)).map((x) => x.factorType), ['sms']);
  });

  it('no verified email, no request; a storm of commands from one person is cut to five a minute', async () => {
    f.slack.members.set('U0BOTLIKE', { isBot: true, email: 'bot@example.com' });
    const bot = await f.command('U0BOTLIKE', 'password');
    const [noEmail] = await eventually('the answer', async () => responsesTo(bot.responseUrl).length > 0 && responsesTo(bot.responseUrl));
    assert.match(String(noEmail!.text), /no verified email/);

    const eve = await f.person();
    const sent = await Promise.all(Array.from({ length: 7 }, () => f.command(eve.slackId, 'password')));
    const answers = await eventually('seven answers', async () => {
      const all = sent.flatMap((c) => responsesTo(c.responseUrl));
      return all.length === 7 && all;
    });
    assert.equal(answers.filter((a) => /several times/.test(String(a.text))).length, 2);
    // The two refused never reached the product: no identity lookup, no workflow call.
    assert.equal(f.slack.callsOf('users.info').filter((c) => c.args.user === eve.slackId).length, 5);
  });

  it('rate limit: a sliding window per user, bounded in users', () => {
    const allow = createUserRateLimit(2, 1_000, 2);
    assert.deepEqual([allow('a', 0), allow('a', 10), allow('a', 20), allow('b', 20)], [true, true, false, true]);
    assert.equal(allow('a', 1_011), true, 'the first hit left the window');
    allow('c', 1_100); // a third user: the least recent ('b') is forgotten
    assert.deepEqual([allow('b', 1_100), allow('b', 1_100), allow('b', 1_100)], [true, true, false]);
  });

  it('App Home: opening it publishes the buttons; a click answers by DM', async () => {
    const dana = await f.person();
    assert.equal((await f.event({ type: 'app_home_opened', user: dana.slackId, channel: 'D0DANA', tab: 'home' })).status, 200);
    const published = await eventually('views.publish', async () => f.slack.callsOf('views.publish').find((c) => c.args.user_id === dana.slackId));
    assert.match(JSON.stringify(published.args.view), /home_password/);
    await f.click({ userId: dana.slackId, actionId: 'home_password', value: 'password', channelId: 'D0DANA' });
    const dm = await eventually('the DM', async () => f.slack.callsOf('chat.postMessage').find((c) => c.args.channel === dana.slackId));
    assert.match(String(dm.args.text), /reset_password\//);
  });
});
