// The segment oracle: one long-lived process answering JSON lines on stdin, one line out per
// line in, in order.
//
//   {"text": "..."}                 -> {"encoding": "GSM-7"|"UCS-2", "segments": N, "units": N,
//                                       "graphemes": [UTF-16 length of each grapheme, ...]}
//   {"bench": ["...", ...], "rounds": N}
//                                   -> {"messages": N, "seconds": S}  (timed inside node with
//                                       process.hrtime, so process start and I/O are excluded)
//
// "units" is the calculator's code units summed over its encoded characters: septets in GSM-7,
// UTF-16 code units in UCS-2. (Its numberOfCharacters counts graphemes in UCS-2, not units.)
'use strict';

const readline = require('readline');
const { SegmentedMessage } = require('sms-segments-calculator');

function describe(text) {
  const message = new SegmentedMessage(text);
  return {
    encoding: message.encodingName,
    segments: message.segmentsCount,
    units: message.encodedChars.reduce((sum, c) => sum + c.codeUnits.length, 0),
    graphemes: message.graphemes.map((g) => g.length),
  };
}

function bench(texts, rounds) {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (const text of texts) {
      const message = new SegmentedMessage(text);
      sink += message.segmentsCount + message.encodingName.length;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { messages: texts.length * rounds, seconds, sink };
}

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on('line', (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    answer = request.bench !== undefined
      ? bench(request.bench, request.rounds || 1)
      : describe(request.text);
  } catch (error) {
    answer = { error: String(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
