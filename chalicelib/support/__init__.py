"""Customer service: threads and messages, the public contact form and its attachments, inbound mail
(SES-stored MIME and the IMAP/POP3 poll), mail parsing, mailboxes and the reply tokens that thread
answers back. (Named `support` so it never collides with the customers feature's CustomerService.)
"""
