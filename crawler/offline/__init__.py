"""Jobs that run extraction and the pipelines' steps over stored or imported captures, without a crawl.

They sit on top of the layers (they use extraction, pipelines and storage), beside the spider.
"""
