import { randomBytes } from 'node:crypto';
import { isSecretKey, REDACTED, redact, redactString, stripUrlCredentials } from '@mlmeta/core';
import { describe, expect, it } from 'vitest';

// Canary secrets of every shape redaction must catch. They are assembled at run time so that
// this file itself does not look like a leaked credential to scanners.
const canaries = {
  awsAccessKeyId: `AKIA${'Q7PZ3XK2M9V4B6N1'}`,
  awsSessionKeyId: `ASIA${'R2D2C3PO4BB8K2SO'}`,
  awsSecret: `wJalrXUtnFEMI/K7MDENG/bPxRfi${'CYCANARYKEY7'}`,
  github: `ghp_${'Zq8Yb3Lm5Nc7Vd9Wf1Xg2Hh4Jk6Pr0St2Uv4'}`,
  githubOauth: `gho_${'Aq8Yb3Lm5Nc7Vd9Wf1Xg2Hh4Jk6Pr0St2Uv4'}`,
  githubUser: `ghu_${'Bq8Yb3Lm5Nc7Vd9Wf1Xg2Hh4Jk6Pr0St2Uv4'}`,
  githubServer: `ghs_${'Cq8Yb3Lm5Nc7Vd9Wf1Xg2Hh4Jk6Pr0St2Uv4'}`,
  githubRefresh: `ghr_${'Dq8Yb3Lm5Nc7Vd9Wf1Xg2Hh4Jk6Pr0St2Uv4'}`,
  githubPat: `github_pat_${'11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS'}`,
  gitlab: `glpat-${'x7Yh2Kp9Lm4Qr8Tn3Vb6'}`,
  slack: `xoxb-${'123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'}`,
  openai: `sk-proj-${'Ab3De6Gh9Jk2Mn5Pq8St1Vw4Yz7Bc0Ef3Hi6'}`,
  anthropic: `sk-ant-api03-${'Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe_dcba-AA'}`,
  jwt: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkNhbmFyeSJ9'}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c`,
  entropy: `Zx9Qw2Lm8Nr4Tb7Vc1Xy5Ua3Sd6Fg0Hj${'Kp2Wn'}`,
};
const pem = `-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA${'canaryPemBody'}\nabcdEFGH\n-----END RSA PRIVATE KEY-----`;

describe('isSecretKey', () => {
  it.each([
    'token',
    'MLMETA_TOKEN',
    'secret',
    'client_secret',
    'password',
    'dbPassword',
    'passwd',
    'api_key',
    'apiKey',
    'APIKey',
    'apikey',
    'api-key',
    'x-api-key',
    'aws_secret_access_key',
    'AWS_ACCESS_KEY_ID',
    'privateKey',
    'private_key',
    'credential',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'auth',
    'authorization',
    'Authorization',
    'auth_token',
    'accessToken',
    'refresh_token',
    '--token',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each([
    'keyboard',
    'monkey',
    'author',
    'authors',
    'tokenizer',
    'maxTokens',
    'learningRate',
    'PWD',
    'batchSize',
    'turkey',
    'secretary_name',
  ])('%s is not secret', (key) => expect(isSecretKey(key)).toBe(false));

  it('accepts extra key names', () => {
    expect(isSecretKey('wandbPin', { extraSecretKeys: ['pin'] })).toBe(true);
    expect(isSecretKey('wandbPin')).toBe(false);
  });
});

describe('redactString', () => {
  it.each(Object.entries(canaries))('removes a %s embedded in text', (_shape, secret) => {
    const out = redactString(`starting job with ${secret} now`);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
    expect(out.startsWith('starting job with ')).toBe(true);
    expect(out.endsWith(' now')).toBe(true);
  });

  it('finds a secret assignment inside the value of a harmless one (error messages)', () => {
    expect(redactString('Error: token=canaryTok42')).toBe(`Error: token=${REDACTED}`);
    expect(redactString('msg: password=hunter2x, retry')).toBe(`msg: password=${REDACTED}, retry`);
    expect(redactString('at connect (db.js:10:3) cause: api_key=zz9canary')).not.toContain('zz9canary');
    expect(redactString('Error: file not found: /tmp/x')).toBe('Error: file not found: /tmp/x');
  });

  it('removes PEM private key blocks, even when cut off', () => {
    expect(redactString(`key:\n${pem}\nafter`)).toBe(`key:\n${REDACTED}\nafter`);
    expect(redactString(pem.slice(0, 60))).not.toContain('canaryPemBody');
  });

  it('removes bearer and basic credentials', () => {
    expect(redactString('Authorization: Bearer abc.def-ghi_jkl')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactString('curl -H "Authorization: Basic dXNlcjpwYXNz"')).toBe(
      `curl -H "Authorization: Basic ${REDACTED}"`,
    );
  });

  it('removes Authorization header values with any scheme, or none', () => {
    expect(redactString('Authorization: Token abc123 next')).toBe(`Authorization: Token ${REDACTED} next`);
    expect(redactString('authorization=opaquevalue next')).toBe(`authorization=${REDACTED} next`);
    expect(redactString('{"Authorization": "Digest u=1"}')).toBe(`{"Authorization": "${REDACTED}"}`);
  });

  it('keeps prose that merely contains scheme words', () => {
    const prose = 'basic training loop; Token embeddings; bearer bonds of the tokenizer';
    expect(redactString(prose)).toBe(prose);
  });

  it('removes URL passwords and keeps the rest of the URL', () => {
    expect(redactString('clone https://user:hunter2@example.com/org/repo.git done')).toBe(
      'clone https://***@example.com/org/repo.git done',
    );
    expect(redactString('postgres://app:s3cret@db:5432/x')).toBe('postgres://***@db:5432/x');
  });

  it('removes values of secret-named assignments in every common syntax', () => {
    expect(redactString('password=hunter2 user=bob')).toBe(`password=${REDACTED} user=bob`);
    expect(redactString('--api-key=abc123 --lr=0.1')).toBe(`--api-key=${REDACTED} --lr=0.1`);
    expect(redactString('{"apiKey": "has spaces in it", "lr": 0.1}')).toBe(
      `{"apiKey": "${REDACTED}", "lr": 0.1}`,
    );
    expect(redactString('GET /x?access_token=abc&page=2')).toBe(`GET /x?access_token=${REDACTED}&page=2`);
    expect(redactString(`AWS_SECRET_ACCESS_KEY: '${canaries.awsSecret}'`)).toBe(
      `AWS_SECRET_ACCESS_KEY: '${REDACTED}'`,
    );
  });

  it('finds an AWS secret key by its context when it is not in an assignment', () => {
    const out = redactString(`aws secret key is ${canaries.awsSecret}`);
    expect(out).not.toContain(canaries.awsSecret);
  });

  it('keeps digests, git SHAs, UUIDs, paths and ordinary words', () => {
    const keep = [
      'commit 3f786850e387550fdab836ed7e6dc881de23001b',
      'xxh3:5f0c9a1b2c3d4e5f60718293a4b5c6d7',
      'sha256:9634e6b0ef0096cfa255e2fea209c67d8b0a8b680b0c0414cfe99c8ba588d54b',
      'sha512-Zx9Qw2Lm8Nr4Tb7Vc1Xy5Ua3Sd6Fg0HjKp2WnZx9Qw2Lm8Nr4Tb7Vc1Xy5Ua3Sd6Fg0HjKp2Wn==',
      'run 123e4567-e89b-12d3-a456-426614174000',
      '/home/user/projects/my-model/train_data_version_two/checkpoint_epoch_0042.json',
      'the keyboard of the author, a monkey typing tokens',
      'https://github.com/org/repo.git and ssh://git@github.com/org/repo.git',
      'model.fit with learningRate=0.001 batchSize=32 optimizer=adam',
      'ConvolutionalNeuralNetworkWithResidualConnections',
      'http://127.0.0.1:8080/api/v1/runs',
    ];
    for (const text of keep) expect(redactString(text)).toBe(text);
  });

  it('stays linear on multi-megabyte inputs (diffs of minified files, base64 blobs)', () => {
    const word = randomBytes(1_500_000).toString('base64').replaceAll('/', 'x');
    const dotted = 'a.'.repeat(1_000_000);
    const assignments = 'x=1 '.repeat(300_000);
    expect(redactString(word)).toBe(REDACTED);
    expect(redactString(dotted)).toBe(dotted);
    expect(redactString(assignments)).toBe(assignments);
  });

  it('is idempotent', () => {
    const once = redactString(`token=${canaries.github} Authorization: Bearer ${canaries.jwt}`);
    expect(redactString(once)).toBe(once);
  });
});

describe('stripUrlCredentials', () => {
  it('removes userinfo entirely so remotes compare equal with or without a token', () => {
    expect(stripUrlCredentials(`https://x-access-token:${canaries.githubServer}@github.com/o/r.git`)).toBe(
      'https://github.com/o/r.git',
    );
    expect(stripUrlCredentials(`https://${canaries.github}@github.com/o/r.git`)).toBe(
      'https://github.com/o/r.git',
    );
    expect(stripUrlCredentials('git@github.com:o/r.git')).toBe('git@github.com:o/r.git');
    expect(stripUrlCredentials('https://github.com/o/r.git')).toBe('https://github.com/o/r.git');
  });
});

describe('redact (structures)', () => {
  it('replaces values under secret keys at any depth, in arrays and Maps', () => {
    const input = {
      lr: 0.01,
      auth: false,
      tokenizer: 'bpe',
      maxTokens: 512,
      author: 'ada',
      nested: { db: { password: 'hunter2', host: 'db' }, list: [{ api_key: 'k1' }, { keyboard: 'qwerty' }] },
      headers: new Map<string, unknown>([
        ['Authorization', `Bearer ${canaries.jwt}`],
        ['accept', 'json'],
      ]),
      credentials: { user: 'u', pass: 'p' },
      note: `using ${canaries.openai}`,
    };
    const out = redact(input);
    expect(out).toEqual({
      lr: 0.01,
      auth: false,
      tokenizer: 'bpe',
      maxTokens: 512,
      author: 'ada',
      nested: {
        db: { password: REDACTED, host: 'db' },
        list: [{ api_key: REDACTED }, { keyboard: 'qwerty' }],
      },
      headers: new Map([
        ['Authorization', REDACTED],
        ['accept', 'json'],
      ]),
      credentials: REDACTED,
      note: `using ${REDACTED}`,
    });
    // A deep copy: the caller's object is untouched.
    expect(input.nested.db.password).toBe('hunter2');
  });

  it('redacts argv: --flag=value and --flag value', () => {
    const argv = [
      'node',
      'train.mjs',
      '--token',
      'plain-canary',
      '--api-key=abc',
      '--epochs',
      '5',
      '--password',
      '--x',
    ];
    expect(redact(argv)).toEqual([
      'node',
      'train.mjs',
      '--token',
      REDACTED,
      `--api-key=${REDACTED}`,
      '--epochs',
      '5',
      '--password',
      '--x',
    ]);
  });

  it('handles cycles, typed arrays and errors', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const out = redact(cyclic) as Record<string, unknown>;
    expect(out.self).toBe(out);
    const data = new Float32Array([1, 2]);
    expect(redact({ data }).data).toBe(data);
    const error = redact(new Error(`failed with ${canaries.github}`));
    expect(error.message).not.toContain(canaries.github);
  });

  it('leaves no canary anywhere in a serialized params object', () => {
    const params = {
      ...canaries,
      pem,
      argv: Object.values(canaries),
      env: { OPENAI_API_KEY: canaries.openai },
    };
    const text = JSON.stringify(redact(params));
    for (const secret of [...Object.values(canaries), 'canaryPemBody']) expect(text).not.toContain(secret);
  });
});

describe('the shapes of issue 12, finding 3', () => {
  const pw = `Xk${'q7Lm2Pz9Wd4'}`;

  it.each([
    ['a SAS signature', `https://a.blob.core.windows.net/c/b?sv=2022-11-02&sig=${pw}%3D`],
    ['an sslpassword', `postgres://reader@db/app?sslpassword=${pw}`],
    ['an X-Amz-Signature', `https://b.s3.amazonaws.com/k?X-Amz-Signature=${pw}`],
    ['a token as the URL user', `https://${pw}@github.com/o/r.git`],
    ['a webhook path', `https://chat.example.com/hooks/${pw}`],
    ['a Slack webhook', `https://hooks.slack.com/services/T0000/B0000/${pw}`],
    ['-p in one string', `mysql -h db -u root -p ${pw} app`],
    ['--db-pass in one string', `run --db-pass ${pw} --epochs 3`],
    ['--pwd in one string', `tool --pwd ${pw}`],
    ['--password in one string', `--cmd=psql --password ${pw}`],
    ['a JSON-escaped quote', `{"password": "p\\"${pw}"}`],
    ['a YAML pass:', `db:\n  pass: "${pw}"`],
    ['an ini sslpassword', `[db]\nsslpassword = ${pw}`],
    ['a .env PGPASSWORD', `PGPASSWORD=${pw}`],
    ['a netrc password', `machine h login ci password ${pw}`],
  ])('removes %s', (_shape, text) => {
    const out = redactString(text);
    expect(out).not.toContain(pw);
    // A second pass (the spool replayed, a value logged again) changes nothing.
    expect(redactString(out)).toBe(out);
  });

  it('keeps the flag, the host and what is not secret', () => {
    expect(redactString(`mysql -h db -p ${pw} app`)).toBe(`mysql -h db -p ${REDACTED} app`);
    expect(redactString(`https://${pw}@github.com/o/r.git`)).toBe('https://***@github.com/o/r.git');
    expect(redactString('ssh://git@github.com/o/r.git')).toBe('ssh://git@github.com/o/r.git');
    expect(redactString('--epochs 3 --lr 0.1')).toBe('--epochs 3 --lr 0.1');
  });

  it('redacts -p and password-named flags in argv arrays', () => {
    expect(redact(['-p', pw, '--db-pass', pw, '--pwd', pw, '--epochs', '3'])).toEqual([
      '-p',
      REDACTED,
      '--db-pass',
      REDACTED,
      '--pwd',
      REDACTED,
      '--epochs',
      '3',
    ]);
  });

  it('takes names that say password as secret: PGPASSWORD, MYSQL_PWD, DB_PASS, sslpassword, X-Amz-Signature', () => {
    for (const name of [
      'PGPASSWORD',
      'MYSQL_PWD',
      'DB_PASS',
      'sslpassword',
      'X-Amz-Signature',
      'sig',
      'RABBITMQ_DEFAULT_PASS',
    ]) {
      expect(isSecretKey(name), name).toBe(true);
    }
    for (const name of ['compass', 'bypass_cache', 'tokenizer', 'secretary', 'PWD']) {
      expect(isSecretKey(name), name).toBe(false);
    }
  });

  it('redacts object keys that are tokens', () => {
    expect(redact({ [canaries.github]: { scope: 'repo' } })).toEqual({ [REDACTED]: { scope: 'repo' } });
  });

  it('keeps hex digests, commit SHAs and UUIDs', () => {
    const sha = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
    const digest = `sha256:${'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'}`;
    const uuid = '3b241101-e2bb-4255-8caf-4136c566a962';
    const text = `commit ${sha} data ${digest} run ${uuid}`;
    expect(redactString(text)).toBe(text);
  });
});
