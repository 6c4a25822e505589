import type { PiiCategory } from "../../shared/guardrails/pii-detect";

/**
 * A labelled sample for `portkey.pii`: texts written for this test (support chats, logs, forms, prose), each with
 * the PII values a reviewer marked in it. Negatives (numbers, versions, times, product names) are on purpose.
 * Used by test/unit/guardrails-pii-injection.test.ts to measure precision and recall per category.
 */
export const PII_SAMPLE: ReadonlyArray<readonly [string, ReadonlyArray<readonly [PiiCategory, string]>]> = [
  ["Please email me at jane.doe@example.com about the refund.", [["EMAIL_ADDRESS", "jane.doe@example.com"]]],
  [
    "Contact: bob_smith+news@mail.co.uk, cc ops@acme.io",
    [
      ["EMAIL_ADDRESS", "bob_smith+news@mail.co.uk"],
      ["EMAIL_ADDRESS", "ops@acme.io"],
    ],
  ],
  ["Call me on +1 (415) 555-0132 after 5pm.", [["PHONE_NUMBER", "+1 (415) 555-0132"]]],
  [
    "My number is 415-555-0199, or the office 020 7946 0958.",
    [
      ["PHONE_NUMBER", "415-555-0199"],
      ["PHONE_NUMBER", "020 7946 0958"],
    ],
  ],
  [
    "Reach the desk at +44 20 7946 0018 or +4915123456789.",
    [
      ["PHONE_NUMBER", "+44 20 7946 0018"],
      ["PHONE_NUMBER", "+4915123456789"],
    ],
  ],
  ["Pay with 4111 1111 1111 1111, exp 12/27.", [["CREDIT_CARD", "4111 1111 1111 1111"]]],
  ["Card number 5500-0000-0000-0004 was declined.", [["CREDIT_CARD", "5500-0000-0000-0004"]]],
  ["Amex 378282246310005 on file.", [["CREDIT_CARD", "378282246310005"]]],
  ["Order 4111 1111 1111 1112 is not a card (bad checksum).", []],
  ["My SSN is 123-45-6789.", [["SSN", "123-45-6789"]]],
  ["SSN 078 05 1120 appears on the form.", [["SSN", "078 05 1120"]]],
  ["Reference 000-12-3456 is invalid as an SSN.", []],
  ["Wire to DE89 3704 0044 0532 0130 00 please.", [["IBAN", "DE89 3704 0044 0532 0130 00"]]],
  ["IBAN GB82WEST12345698765432, BIC WESTGB2L.", [["IBAN", "GB82WEST12345698765432"]]],
  ["The code GB82WEST12345698765431 fails its checksum.", []],
  ["FR14 2004 1010 0505 0001 3M02 606 is the account.", [["IBAN", "FR14 2004 1010 0505 0001 3M02 606"]]],
  ["The server at 192.168.10.4 refused the connection.", [["IP_ADDRESS", "192.168.10.4"]]],
  [
    "Client IP 203.0.113.77 and v6 2001:db8::8a2e:370:7334 logged.",
    [
      ["IP_ADDRESS", "203.0.113.77"],
      ["IP_ADDRESS", "2001:db8::8a2e:370:7334"],
    ],
  ],
  ["Use key AKIAIOSFODNN7EXAMPLE for the bucket.", [["API_KEY", "AKIAIOSFODNN7EXAMPLE"]]],
  [
    "OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz123456",
    [["API_KEY", "sk-proj-abcdefghijklmnopqrstuvwxyz123456"]],
  ],
  [
    "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked in CI",
    [["API_KEY", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"]],
  ],
  ["Stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc in the env file", [["API_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"]]],
  ["My name is John Smith and I need help.", [["NAME", "John Smith"]]],
  ["Dr. Alice Wong will see you now.", [["NAME", "Alice Wong"]]],
  ["Dear Maria Garcia, your order has shipped.", [["NAME", "Maria Garcia"]]],
  ["Best regards,\nThomas Müller", [["NAME", "Thomas Müller"]]],
  ["Please ask Sarah Connor in accounting.", [["NAME", "Sarah Connor"]]],
  ["Ms. Priya Patel approved the invoice.", [["NAME", "Priya Patel"]]],
  ["This is Kevin from support, how can I help?", [["NAME", "Kevin"]]],
  ["Ship it to 42 Baker Street, London.", [["LOCATION_ADDRESS", "42 Baker Street"]]],
  ["Our office: 1600 Amphitheatre Parkway, Mountain View.", [["LOCATION_ADDRESS", "1600 Amphitheatre Parkway"]]],
  ["She lives at 221 North Elm Ave, Apt 4B.", [["LOCATION_ADDRESS", "221 North Elm Ave, Apt 4B"]]],
  ["Release 1.2.3 shipped on 2024-05-01 at 10:30:15.", []],
  ["The meeting is at 14:00 in room 4021; budget 1,250,000 USD.", []],
  ["Order #123456789 contains 3 items weighing 12.5 kg.", []],
  ["Python 3.12 and Node 20.19 are supported; see RFC 9110.", []],
  ["This is Monday's report, called Quarterly Review.", []],
  ["The MAC address 00:1A:2B:3C:4D:5E belongs to the printer.", []],
  ["Temperature rose from 21.5 to 23.8 degrees.", []],
  ["Use the task-abcdefghijklmnopqrstuvwxyz queue, not the backup.", []],
  ["ISBN 978-3-16-148410-0 is the book's number.", []],
  ["Dear team, the release is ready.", []],
  [
    "Write to support@example.org or call 1-800-555-0175 for Mr. James Brown.",
    [
      ["EMAIL_ADDRESS", "support@example.org"],
      ["PHONE_NUMBER", "1-800-555-0175"],
      ["NAME", "James Brown"],
    ],
  ],
  [
    "Patient Robert Lee, SSN 219-09-9999, DOB 1980-02-03.",
    [
      ["NAME", "Robert Lee"],
      ["SSN", "219-09-9999"],
    ],
  ],
  [
    "Send the pdf to Laura (laura.k@corp.example) today.",
    [
      ["NAME", "Laura"],
      ["EMAIL_ADDRESS", "laura.k@corp.example"],
    ],
  ],
];
