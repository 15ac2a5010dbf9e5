ip netns add knet-underlay
ip -n knet-underlay link set lo up
ip netns exec knet-underlay sysctl -q -w net.bridge.bridge-nf-call-iptables=0
ip -n knet-underlay link add br0 mtu 1500 type bridge
ip -n knet-underlay link set br0 up
ip netns add knet-node-k8s-master
ip -n knet-node-k8s-master link set lo up
ip netns add knet-pod-kube-system-coredns-754bccc5bf-xxvrt
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt link set lo up
ip -n knet-node-k8s-master link add eth0 address 52:54:00:f9:cb:93 mtu 1500 type veth peer name u-eth0 netns knet-underlay
ip -n knet-underlay link set u-eth0 up
ip -n knet-node-k8s-master link add flannel.1 address 56:92:70:47:cf:13 mtu 1450 type vxlan id 1 local 192.168.2.100 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-master link add flannel-v6.1 address ba:e1:5f:e1:b3:45 mtu 1450 type vxlan id 1 local 2001:db8:2::100 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-master link add cni0 address f2:46:f6:d2:af:36 mtu 1450 type bridge
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt link add eth0 address 5e:c3:7a:52:2e:13 mtu 1450 type veth peer name veth5735ef8d address ee:61:44:5a:fc:87 mtu 1450 netns knet-node-k8s-master
ip -n knet-node-k8s-master link set eth0 up
ip -n knet-node-k8s-master link set flannel.1 up
ip -n knet-node-k8s-master link set flannel-v6.1 up
ip -n knet-node-k8s-master link set cni0 up
ip -n knet-node-k8s-master link set veth5735ef8d master cni0
ip -n knet-node-k8s-master link set veth5735ef8d up
bridge -n knet-node-k8s-master link set dev veth5735ef8d hairpin on
ip -n knet-node-k8s-master addr add 192.168.2.100/24 brd 192.168.2.255 scope global dev eth0
ip -n knet-node-k8s-master addr add 10.244.0.0/32 scope global dev flannel.1
ip -n knet-node-k8s-master addr add 10.244.0.1/24 brd 10.244.0.255 scope global dev cni0
ip -n knet-node-k8s-master -6 addr add 2001:db8:2::100/64 dev eth0 nodad
ip -n knet-node-k8s-master -6 addr add fd00:10:244::/128 dev flannel-v6.1 nodad
ip -n knet-node-k8s-master -6 addr add fd00:10:244::1/64 dev cni0 nodad
ip -n knet-node-k8s-master route add default via 192.168.2.1 dev eth0
ip -n knet-node-k8s-master route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n knet-node-k8s-master route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip -n knet-node-k8s-master -6 route add fd00:10:244:1::/64 via fd00:10:244:1:: dev flannel-v6.1 onlink metric 1024
ip -n knet-node-k8s-master -6 route add fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 onlink metric 1024
ip -n knet-node-k8s-master -6 route add default via fe80::1 dev eth0 metric 1024
ip -n knet-node-k8s-master neigh replace 10.244.1.0 lladdr ea:4b:2f:3c:93:29 dev flannel.1 nud permanent
ip -n knet-node-k8s-master neigh replace fd00:10:244:1:: lladdr 9a:e7:f1:fb:76:44 dev flannel-v6.1 nud permanent
ip -n knet-node-k8s-master neigh replace 10.244.2.0 lladdr 22:6d:20:af:71:67 dev flannel.1 nud permanent
ip -n knet-node-k8s-master neigh replace fd00:10:244:2:: lladdr b6:e0:69:15:1c:90 dev flannel-v6.1 nud permanent
bridge -n knet-node-k8s-master fdb append ea:4b:2f:3c:93:29 dev flannel.1 dst 192.168.2.101 self permanent
bridge -n knet-node-k8s-master fdb append 9a:e7:f1:fb:76:44 dev flannel-v6.1 dst 2001:db8:2::101 self permanent
bridge -n knet-node-k8s-master fdb append 22:6d:20:af:71:67 dev flannel.1 dst 192.168.2.102 self permanent
bridge -n knet-node-k8s-master fdb append b6:e0:69:15:1c:90 dev flannel-v6.1 dst 2001:db8:2::102 self permanent
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt link set eth0 up
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt addr add 10.244.0.2/24 brd 10.244.0.255 scope global dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt -6 addr add fd00:10:244::2/64 dev eth0 nodad
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt route add default via 10.244.0.1 dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt route add 10.244.0.0/16 via 10.244.0.1 dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt -6 route add fd00:10:244::/56 via fd00:10:244::1 dev eth0 metric 1024
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt -6 route add default via fd00:10:244::1 dev eth0 metric 1024
ip -n knet-underlay link set u-eth0 down
ip -n knet-underlay link set u-eth0 name n0-eth0
ip -n knet-underlay link set n0-eth0 master br0 up
ip netns exec knet-node-k8s-master sysctl -q -w net.bridge.bridge-nf-call-ip6tables=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.forwarding=1 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=1 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-xxvrt sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns add knet-node-k8s-node1
ip -n knet-node-k8s-node1 link set lo up
ip netns add knet-pod-default-pod-a
ip -n knet-pod-default-pod-a link set lo up
ip netns add knet-pod-default-nginx-6b97fcfcdd-m6qp9
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 link set lo up
ip netns add knet-pod-default-nginx-6b97fcfcdd-25khw
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw link set lo up
ip -n knet-node-k8s-node1 link add eth0 address 52:54:00:d7:12:d7 mtu 1500 type veth peer name u-eth0 netns knet-underlay
ip -n knet-node-k8s-node1 link add flannel.1 address ea:4b:2f:3c:93:29 mtu 1450 type vxlan id 1 local 192.168.2.101 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-node1 link add flannel-v6.1 address 9a:e7:f1:fb:76:44 mtu 1450 type vxlan id 1 local 2001:db8:2::101 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-node1 link add cni0 address 12:e3:62:cd:bd:21 mtu 1450 type bridge
ip -n knet-pod-default-pod-a link add eth0 address 6a:df:a4:e8:c7:f3 mtu 1450 type veth peer name veth71866a09 address b6:b2:64:f0:26:fe mtu 1450 netns knet-node-k8s-node1
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 link add eth0 address c6:40:06:f7:03:51 mtu 1450 type veth peer name vethdaf01983 address 76:97:d3:41:93:84 mtu 1450 netns knet-node-k8s-node1
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw link add eth0 address 8e:3e:af:85:87:2a mtu 1450 type veth peer name veth086a4ac2 address 6e:a4:a9:b0:61:ea mtu 1450 netns knet-node-k8s-node1
ip -n knet-node-k8s-node1 link set eth0 up
ip -n knet-node-k8s-node1 link set flannel.1 up
ip -n knet-node-k8s-node1 link set flannel-v6.1 up
ip -n knet-node-k8s-node1 link set cni0 up
ip -n knet-node-k8s-node1 link set veth71866a09 master cni0
ip -n knet-node-k8s-node1 link set veth71866a09 up
bridge -n knet-node-k8s-node1 link set dev veth71866a09 hairpin on
ip -n knet-node-k8s-node1 link set vethdaf01983 master cni0
ip -n knet-node-k8s-node1 link set vethdaf01983 up
bridge -n knet-node-k8s-node1 link set dev vethdaf01983 hairpin on
ip -n knet-node-k8s-node1 link set veth086a4ac2 master cni0
ip -n knet-node-k8s-node1 link set veth086a4ac2 up
bridge -n knet-node-k8s-node1 link set dev veth086a4ac2 hairpin on
ip -n knet-node-k8s-node1 addr add 192.168.2.101/24 brd 192.168.2.255 scope global dev eth0
ip -n knet-node-k8s-node1 addr add 10.244.1.0/32 scope global dev flannel.1
ip -n knet-node-k8s-node1 addr add 10.244.1.1/24 brd 10.244.1.255 scope global dev cni0
ip -n knet-node-k8s-node1 -6 addr add 2001:db8:2::101/64 dev eth0 nodad
ip -n knet-node-k8s-node1 -6 addr add fd00:10:244:1::/128 dev flannel-v6.1 nodad
ip -n knet-node-k8s-node1 -6 addr add fd00:10:244:1::1/64 dev cni0 nodad
ip -n knet-node-k8s-node1 route add default via 192.168.2.1 dev eth0
ip -n knet-node-k8s-node1 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
ip -n knet-node-k8s-node1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip -n knet-node-k8s-node1 -6 route add fd00:10:244::/64 via fd00:10:244:: dev flannel-v6.1 onlink metric 1024
ip -n knet-node-k8s-node1 -6 route add fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 onlink metric 1024
ip -n knet-node-k8s-node1 -6 route add default via fe80::1 dev eth0 metric 1024
ip -n knet-node-k8s-node1 neigh replace 10.244.0.0 lladdr 56:92:70:47:cf:13 dev flannel.1 nud permanent
ip -n knet-node-k8s-node1 neigh replace fd00:10:244:: lladdr ba:e1:5f:e1:b3:45 dev flannel-v6.1 nud permanent
ip -n knet-node-k8s-node1 neigh replace 10.244.2.0 lladdr 22:6d:20:af:71:67 dev flannel.1 nud permanent
ip -n knet-node-k8s-node1 neigh replace fd00:10:244:2:: lladdr b6:e0:69:15:1c:90 dev flannel-v6.1 nud permanent
bridge -n knet-node-k8s-node1 fdb append 56:92:70:47:cf:13 dev flannel.1 dst 192.168.2.100 self permanent
bridge -n knet-node-k8s-node1 fdb append ba:e1:5f:e1:b3:45 dev flannel-v6.1 dst 2001:db8:2::100 self permanent
bridge -n knet-node-k8s-node1 fdb append 22:6d:20:af:71:67 dev flannel.1 dst 192.168.2.102 self permanent
bridge -n knet-node-k8s-node1 fdb append b6:e0:69:15:1c:90 dev flannel-v6.1 dst 2001:db8:2::102 self permanent
ip -n knet-pod-default-pod-a link set eth0 up
ip -n knet-pod-default-pod-a addr add 10.244.1.2/24 brd 10.244.1.255 scope global dev eth0
ip -n knet-pod-default-pod-a -6 addr add fd00:10:244:1::2/64 dev eth0 nodad
ip -n knet-pod-default-pod-a route add default via 10.244.1.1 dev eth0
ip -n knet-pod-default-pod-a route add 10.244.0.0/16 via 10.244.1.1 dev eth0
ip -n knet-pod-default-pod-a -6 route add fd00:10:244::/56 via fd00:10:244:1::1 dev eth0 metric 1024
ip -n knet-pod-default-pod-a -6 route add default via fd00:10:244:1::1 dev eth0 metric 1024
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 link set eth0 up
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 addr add 10.244.1.3/24 brd 10.244.1.255 scope global dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 -6 addr add fd00:10:244:1::3/64 dev eth0 nodad
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 route add default via 10.244.1.1 dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 route add 10.244.0.0/16 via 10.244.1.1 dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 -6 route add fd00:10:244::/56 via fd00:10:244:1::1 dev eth0 metric 1024
ip -n knet-pod-default-nginx-6b97fcfcdd-m6qp9 -6 route add default via fd00:10:244:1::1 dev eth0 metric 1024
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw link set eth0 up
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw addr add 10.244.1.4/24 brd 10.244.1.255 scope global dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw -6 addr add fd00:10:244:1::4/64 dev eth0 nodad
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw route add default via 10.244.1.1 dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw route add 10.244.0.0/16 via 10.244.1.1 dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw -6 route add fd00:10:244::/56 via fd00:10:244:1::1 dev eth0 metric 1024
ip -n knet-pod-default-nginx-6b97fcfcdd-25khw -6 route add default via fd00:10:244:1::1 dev eth0 metric 1024
ip -n knet-underlay link set u-eth0 down
ip -n knet-underlay link set u-eth0 name n1-eth0
ip -n knet-underlay link set n1-eth0 master br0 up
ip netns exec knet-node-k8s-node1 sysctl -q -w net.bridge.bridge-nf-call-ip6tables=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.forwarding=1 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=1 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-default-pod-a sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-default-nginx-6b97fcfcdd-m6qp9 sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-default-nginx-6b97fcfcdd-25khw sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns add knet-node-k8s-node2
ip -n knet-node-k8s-node2 link set lo up
ip netns add knet-pod-kube-system-coredns-754bccc5bf-ndl7t
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t link set lo up
ip netns add knet-pod-default-nginx-6b97fcfcdd-cdxqq
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq link set lo up
ip -n knet-node-k8s-node2 link add eth0 address 52:54:00:74:36:33 mtu 1500 type veth peer name u-eth0 netns knet-underlay
ip -n knet-node-k8s-node2 link add flannel.1 address 22:6d:20:af:71:67 mtu 1450 type vxlan id 1 local 192.168.2.102 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-node2 link add flannel-v6.1 address b6:e0:69:15:1c:90 mtu 1450 type vxlan id 1 local 2001:db8:2::102 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-node2 link add cni0 address 36:7c:26:ef:f2:7f mtu 1450 type bridge
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t link add eth0 address 6a:e5:9c:f2:be:cd mtu 1450 type veth peer name veth694d0131 address f2:e8:09:5d:94:c6 mtu 1450 netns knet-node-k8s-node2
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq link add eth0 address 5e:f4:af:b9:22:fb mtu 1450 type veth peer name veth10898f75 address 9e:0b:2e:67:87:71 mtu 1450 netns knet-node-k8s-node2
ip -n knet-node-k8s-node2 link set eth0 up
ip -n knet-node-k8s-node2 link set flannel.1 up
ip -n knet-node-k8s-node2 link set flannel-v6.1 up
ip -n knet-node-k8s-node2 link set cni0 up
ip -n knet-node-k8s-node2 link set veth694d0131 master cni0
ip -n knet-node-k8s-node2 link set veth694d0131 up
bridge -n knet-node-k8s-node2 link set dev veth694d0131 hairpin on
ip -n knet-node-k8s-node2 link set veth10898f75 master cni0
ip -n knet-node-k8s-node2 link set veth10898f75 up
bridge -n knet-node-k8s-node2 link set dev veth10898f75 hairpin on
ip -n knet-node-k8s-node2 addr add 192.168.2.102/24 brd 192.168.2.255 scope global dev eth0
ip -n knet-node-k8s-node2 addr add 10.244.2.0/32 scope global dev flannel.1
ip -n knet-node-k8s-node2 addr add 10.244.2.1/24 brd 10.244.2.255 scope global dev cni0
ip -n knet-node-k8s-node2 -6 addr add 2001:db8:2::102/64 dev eth0 nodad
ip -n knet-node-k8s-node2 -6 addr add fd00:10:244:2::/128 dev flannel-v6.1 nodad
ip -n knet-node-k8s-node2 -6 addr add fd00:10:244:2::1/64 dev cni0 nodad
ip -n knet-node-k8s-node2 route add default via 192.168.2.1 dev eth0
ip -n knet-node-k8s-node2 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
ip -n knet-node-k8s-node2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n knet-node-k8s-node2 -6 route add fd00:10:244::/64 via fd00:10:244:: dev flannel-v6.1 onlink metric 1024
ip -n knet-node-k8s-node2 -6 route add fd00:10:244:1::/64 via fd00:10:244:1:: dev flannel-v6.1 onlink metric 1024
ip -n knet-node-k8s-node2 -6 route add default via fe80::1 dev eth0 metric 1024
ip -n knet-node-k8s-node2 neigh replace 10.244.0.0 lladdr 56:92:70:47:cf:13 dev flannel.1 nud permanent
ip -n knet-node-k8s-node2 neigh replace fd00:10:244:: lladdr ba:e1:5f:e1:b3:45 dev flannel-v6.1 nud permanent
ip -n knet-node-k8s-node2 neigh replace 10.244.1.0 lladdr ea:4b:2f:3c:93:29 dev flannel.1 nud permanent
ip -n knet-node-k8s-node2 neigh replace fd00:10:244:1:: lladdr 9a:e7:f1:fb:76:44 dev flannel-v6.1 nud permanent
bridge -n knet-node-k8s-node2 fdb append 56:92:70:47:cf:13 dev flannel.1 dst 192.168.2.100 self permanent
bridge -n knet-node-k8s-node2 fdb append ba:e1:5f:e1:b3:45 dev flannel-v6.1 dst 2001:db8:2::100 self permanent
bridge -n knet-node-k8s-node2 fdb append ea:4b:2f:3c:93:29 dev flannel.1 dst 192.168.2.101 self permanent
bridge -n knet-node-k8s-node2 fdb append 9a:e7:f1:fb:76:44 dev flannel-v6.1 dst 2001:db8:2::101 self permanent
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t link set eth0 up
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t addr add 10.244.2.2/24 brd 10.244.2.255 scope global dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t -6 addr add fd00:10:244:2::2/64 dev eth0 nodad
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t route add default via 10.244.2.1 dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t route add 10.244.0.0/16 via 10.244.2.1 dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t -6 route add fd00:10:244::/56 via fd00:10:244:2::1 dev eth0 metric 1024
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t -6 route add default via fd00:10:244:2::1 dev eth0 metric 1024
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq link set eth0 up
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq addr add 10.244.2.3/24 brd 10.244.2.255 scope global dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq -6 addr add fd00:10:244:2::3/64 dev eth0 nodad
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq route add default via 10.244.2.1 dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq route add 10.244.0.0/16 via 10.244.2.1 dev eth0
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq -6 route add fd00:10:244::/56 via fd00:10:244:2::1 dev eth0 metric 1024
ip -n knet-pod-default-nginx-6b97fcfcdd-cdxqq -6 route add default via fd00:10:244:2::1 dev eth0 metric 1024
ip -n knet-underlay link set u-eth0 down
ip -n knet-underlay link set u-eth0 name n2-eth0
ip -n knet-underlay link set n2-eth0 master br0 up
ip netns exec knet-node-k8s-node2 sysctl -q -w net.bridge.bridge-nf-call-ip6tables=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.forwarding=1 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=1 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.all.forwarding=1 net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-ndl7t sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-default-nginx-6b97fcfcdd-cdxqq sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns add knet-ext-laptop
ip -n knet-ext-laptop link set lo up
ip -n knet-underlay link add x0-eth0 mtu 1500 type veth peer name eth0 mtu 1500 netns knet-ext-laptop
ip -n knet-underlay link set x0-eth0 master br0 up
ip -n knet-ext-laptop link set eth0 up
ip -n knet-ext-laptop addr add 192.168.2.50/24 dev eth0
ip netns exec knet-node-k8s-master iptables-restore <<'EOF'
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-PROXY-CANARY - [0:0]
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -j KUBE-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-EXT-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-SEP-CLAGU7VMF4VCXE4X - [0:0]
:KUBE-SEP-H7FN6LU3RSH6CC2T - [0:0]
:KUBE-SEP-I7J7B2HF6PITCMSA - [0:0]
:KUBE-SEP-IT2ZTR26TO4XFPTO - [0:0]
:KUBE-SEP-L2GJ7TJPLKY2PQ3G - [0:0]
:KUBE-SEP-N4G2XR5TDX7PQE7P - [0:0]
:KUBE-SEP-OI7NWIH7RAT2AOGF - [0:0]
:KUBE-SEP-P33L4LSPB7KVLSK6 - [0:0]
:KUBE-SEP-TCIZBYBD3WWXNWF5 - [0:0]
:KUBE-SEP-YIL6JZP7A3QYXJU2 - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-EXT-2CMXP7HKUVJN7L6M -m comment --comment "masquerade traffic for default/nginx external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-2CMXP7HKUVJN7L6M -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/nginx" -m tcp --dport 30000 -j KUBE-EXT-2CMXP7HKUVJN7L6M
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-CLAGU7VMF4VCXE4X -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:metrics" -j KUBE-MARK-MASQ
-A KUBE-SEP-CLAGU7VMF4VCXE4X -p tcp -m comment --comment "kube-system/kube-dns:metrics" -m tcp -j DNAT --to-destination 10.244.2.2:9153
-A KUBE-SEP-H7FN6LU3RSH6CC2T -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:dns-tcp" -j KUBE-MARK-MASQ
-A KUBE-SEP-H7FN6LU3RSH6CC2T -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SEP-I7J7B2HF6PITCMSA -s 10.244.1.3/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-I7J7B2HF6PITCMSA -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.1.3:80
-A KUBE-SEP-IT2ZTR26TO4XFPTO -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:dns-tcp" -j KUBE-MARK-MASQ
-A KUBE-SEP-IT2ZTR26TO4XFPTO -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SEP-L2GJ7TJPLKY2PQ3G -s 192.168.2.100/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ
-A KUBE-SEP-L2GJ7TJPLKY2PQ3G -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 192.168.2.100:6443
-A KUBE-SEP-N4G2XR5TDX7PQE7P -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:metrics" -j KUBE-MARK-MASQ
-A KUBE-SEP-N4G2XR5TDX7PQE7P -p tcp -m comment --comment "kube-system/kube-dns:metrics" -m tcp -j DNAT --to-destination 10.244.0.2:9153
-A KUBE-SEP-OI7NWIH7RAT2AOGF -s 10.244.2.3/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-OI7NWIH7RAT2AOGF -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.2.3:80
-A KUBE-SEP-P33L4LSPB7KVLSK6 -s 10.244.1.4/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-P33L4LSPB7KVLSK6 -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.1.4:80
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SEP-YIL6JZP7A3QYXJU2 -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-YIL6JZP7A3QYXJU2 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SERVICES -d 10.1.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
-A KUBE-SERVICES -d 10.1.0.2/32 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-SERVICES -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SERVICES -d 10.1.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SERVICES -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-2CMXP7HKUVJN7L6M ! -s 10.244.0.0/16 -d 10.1.0.2/32 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.1.3:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-I7J7B2HF6PITCMSA
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.1.4:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-P33L4LSPB7KVLSK6
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.2.3:80" -j KUBE-SEP-OI7NWIH7RAT2AOGF
-A KUBE-SVC-ERIFXISQEP7F7OF4 ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.0.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-IT2ZTR26TO4XFPTO
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.2:53" -j KUBE-SEP-H7FN6LU3RSH6CC2T
-A KUBE-SVC-JD5MR3NA4I4DYORP ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp --dport 9153 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.0.2:9153" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-N4G2XR5TDX7PQE7P
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.2:9153" -j KUBE-SEP-CLAGU7VMF4VCXE4X
-A KUBE-SVC-NPX46M4PTMTKRN6Y ! -s 10.244.0.0/16 -d 10.1.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ
-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 192.168.2.100:6443" -j KUBE-SEP-L2GJ7TJPLKY2PQ3G
-A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-YIL6JZP7A3QYXJU2
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.2:53" -j KUBE-SEP-TCIZBYBD3WWXNWF5
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-master ip6tables-restore <<'EOF'
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-PROXY-CANARY - [0:0]
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -j KUBE-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FLANNEL-FWD -s fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-EXT-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-SEP-2YBQUGMCT6IDOSKJ - [0:0]
:KUBE-SEP-EEHRCHY3ZT43I56G - [0:0]
:KUBE-SEP-NSJL4MFP6RY6DKLV - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-2CMXP7HKUVJN7L6M - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/64 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 -d fd00:10:244::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-EXT-2CMXP7HKUVJN7L6M -m comment --comment "masquerade traffic for default/nginx external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-2CMXP7HKUVJN7L6M -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/nginx" -m tcp --dport 30000 -j KUBE-EXT-2CMXP7HKUVJN7L6M
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-2YBQUGMCT6IDOSKJ -s fd00:10:244:1::4/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-2YBQUGMCT6IDOSKJ -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:1::4]:80
-A KUBE-SEP-EEHRCHY3ZT43I56G -s fd00:10:244:2::3/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-EEHRCHY3ZT43I56G -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:2::3]:80
-A KUBE-SEP-NSJL4MFP6RY6DKLV -s fd00:10:244:1::3/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-NSJL4MFP6RY6DKLV -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:1::3]:80
-A KUBE-SERVICES -d fd00:10:1::1/128 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-SERVICES ! -d ::1/128 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-2CMXP7HKUVJN7L6M ! -s fd00:10:244::/56 -d fd00:10:1::1/128 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:1::3]:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-NSJL4MFP6RY6DKLV
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:1::4]:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2YBQUGMCT6IDOSKJ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:2::3]:80" -j KUBE-SEP-EEHRCHY3ZT43I56G
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-master sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_close_wait=3600 net.netfilter.nf_conntrack_tcp_timeout_established=86400
ip netns exec knet-node-k8s-node1 iptables-restore <<'EOF'
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-PROXY-CANARY - [0:0]
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -j KUBE-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-EXT-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-SEP-CLAGU7VMF4VCXE4X - [0:0]
:KUBE-SEP-H7FN6LU3RSH6CC2T - [0:0]
:KUBE-SEP-I7J7B2HF6PITCMSA - [0:0]
:KUBE-SEP-IT2ZTR26TO4XFPTO - [0:0]
:KUBE-SEP-L2GJ7TJPLKY2PQ3G - [0:0]
:KUBE-SEP-N4G2XR5TDX7PQE7P - [0:0]
:KUBE-SEP-OI7NWIH7RAT2AOGF - [0:0]
:KUBE-SEP-P33L4LSPB7KVLSK6 - [0:0]
:KUBE-SEP-TCIZBYBD3WWXNWF5 - [0:0]
:KUBE-SEP-YIL6JZP7A3QYXJU2 - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-EXT-2CMXP7HKUVJN7L6M -m comment --comment "masquerade traffic for default/nginx external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-2CMXP7HKUVJN7L6M -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/nginx" -m tcp --dport 30000 -j KUBE-EXT-2CMXP7HKUVJN7L6M
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-CLAGU7VMF4VCXE4X -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:metrics" -j KUBE-MARK-MASQ
-A KUBE-SEP-CLAGU7VMF4VCXE4X -p tcp -m comment --comment "kube-system/kube-dns:metrics" -m tcp -j DNAT --to-destination 10.244.2.2:9153
-A KUBE-SEP-H7FN6LU3RSH6CC2T -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:dns-tcp" -j KUBE-MARK-MASQ
-A KUBE-SEP-H7FN6LU3RSH6CC2T -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SEP-I7J7B2HF6PITCMSA -s 10.244.1.3/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-I7J7B2HF6PITCMSA -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.1.3:80
-A KUBE-SEP-IT2ZTR26TO4XFPTO -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:dns-tcp" -j KUBE-MARK-MASQ
-A KUBE-SEP-IT2ZTR26TO4XFPTO -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SEP-L2GJ7TJPLKY2PQ3G -s 192.168.2.100/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ
-A KUBE-SEP-L2GJ7TJPLKY2PQ3G -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 192.168.2.100:6443
-A KUBE-SEP-N4G2XR5TDX7PQE7P -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:metrics" -j KUBE-MARK-MASQ
-A KUBE-SEP-N4G2XR5TDX7PQE7P -p tcp -m comment --comment "kube-system/kube-dns:metrics" -m tcp -j DNAT --to-destination 10.244.0.2:9153
-A KUBE-SEP-OI7NWIH7RAT2AOGF -s 10.244.2.3/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-OI7NWIH7RAT2AOGF -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.2.3:80
-A KUBE-SEP-P33L4LSPB7KVLSK6 -s 10.244.1.4/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-P33L4LSPB7KVLSK6 -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.1.4:80
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SEP-YIL6JZP7A3QYXJU2 -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-YIL6JZP7A3QYXJU2 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SERVICES -d 10.1.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
-A KUBE-SERVICES -d 10.1.0.2/32 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-SERVICES -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SERVICES -d 10.1.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SERVICES -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-2CMXP7HKUVJN7L6M ! -s 10.244.0.0/16 -d 10.1.0.2/32 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.1.3:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-I7J7B2HF6PITCMSA
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.1.4:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-P33L4LSPB7KVLSK6
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.2.3:80" -j KUBE-SEP-OI7NWIH7RAT2AOGF
-A KUBE-SVC-ERIFXISQEP7F7OF4 ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.0.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-IT2ZTR26TO4XFPTO
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.2:53" -j KUBE-SEP-H7FN6LU3RSH6CC2T
-A KUBE-SVC-JD5MR3NA4I4DYORP ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp --dport 9153 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.0.2:9153" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-N4G2XR5TDX7PQE7P
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.2:9153" -j KUBE-SEP-CLAGU7VMF4VCXE4X
-A KUBE-SVC-NPX46M4PTMTKRN6Y ! -s 10.244.0.0/16 -d 10.1.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ
-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 192.168.2.100:6443" -j KUBE-SEP-L2GJ7TJPLKY2PQ3G
-A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-YIL6JZP7A3QYXJU2
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.2:53" -j KUBE-SEP-TCIZBYBD3WWXNWF5
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-node1 ip6tables-restore <<'EOF'
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-PROXY-CANARY - [0:0]
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -j KUBE-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FLANNEL-FWD -s fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-EXT-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-SEP-2YBQUGMCT6IDOSKJ - [0:0]
:KUBE-SEP-EEHRCHY3ZT43I56G - [0:0]
:KUBE-SEP-NSJL4MFP6RY6DKLV - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-2CMXP7HKUVJN7L6M - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244:1::/64 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 -d fd00:10:244:1::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244:1::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-EXT-2CMXP7HKUVJN7L6M -m comment --comment "masquerade traffic for default/nginx external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-2CMXP7HKUVJN7L6M -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/nginx" -m tcp --dport 30000 -j KUBE-EXT-2CMXP7HKUVJN7L6M
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-2YBQUGMCT6IDOSKJ -s fd00:10:244:1::4/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-2YBQUGMCT6IDOSKJ -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:1::4]:80
-A KUBE-SEP-EEHRCHY3ZT43I56G -s fd00:10:244:2::3/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-EEHRCHY3ZT43I56G -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:2::3]:80
-A KUBE-SEP-NSJL4MFP6RY6DKLV -s fd00:10:244:1::3/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-NSJL4MFP6RY6DKLV -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:1::3]:80
-A KUBE-SERVICES -d fd00:10:1::1/128 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-SERVICES ! -d ::1/128 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-2CMXP7HKUVJN7L6M ! -s fd00:10:244::/56 -d fd00:10:1::1/128 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:1::3]:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-NSJL4MFP6RY6DKLV
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:1::4]:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2YBQUGMCT6IDOSKJ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:2::3]:80" -j KUBE-SEP-EEHRCHY3ZT43I56G
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-node1 sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_close_wait=3600 net.netfilter.nf_conntrack_tcp_timeout_established=86400
ip netns exec knet-node-k8s-node2 iptables-restore <<'EOF'
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-PROXY-CANARY - [0:0]
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -j KUBE-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-EXT-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-SEP-CLAGU7VMF4VCXE4X - [0:0]
:KUBE-SEP-H7FN6LU3RSH6CC2T - [0:0]
:KUBE-SEP-I7J7B2HF6PITCMSA - [0:0]
:KUBE-SEP-IT2ZTR26TO4XFPTO - [0:0]
:KUBE-SEP-L2GJ7TJPLKY2PQ3G - [0:0]
:KUBE-SEP-N4G2XR5TDX7PQE7P - [0:0]
:KUBE-SEP-OI7NWIH7RAT2AOGF - [0:0]
:KUBE-SEP-P33L4LSPB7KVLSK6 - [0:0]
:KUBE-SEP-TCIZBYBD3WWXNWF5 - [0:0]
:KUBE-SEP-YIL6JZP7A3QYXJU2 - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
:KUBE-SVC-JD5MR3NA4I4DYORP - [0:0]
:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.2.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-EXT-2CMXP7HKUVJN7L6M -m comment --comment "masquerade traffic for default/nginx external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-2CMXP7HKUVJN7L6M -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/nginx" -m tcp --dport 30000 -j KUBE-EXT-2CMXP7HKUVJN7L6M
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-CLAGU7VMF4VCXE4X -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:metrics" -j KUBE-MARK-MASQ
-A KUBE-SEP-CLAGU7VMF4VCXE4X -p tcp -m comment --comment "kube-system/kube-dns:metrics" -m tcp -j DNAT --to-destination 10.244.2.2:9153
-A KUBE-SEP-H7FN6LU3RSH6CC2T -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:dns-tcp" -j KUBE-MARK-MASQ
-A KUBE-SEP-H7FN6LU3RSH6CC2T -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SEP-I7J7B2HF6PITCMSA -s 10.244.1.3/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-I7J7B2HF6PITCMSA -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.1.3:80
-A KUBE-SEP-IT2ZTR26TO4XFPTO -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:dns-tcp" -j KUBE-MARK-MASQ
-A KUBE-SEP-IT2ZTR26TO4XFPTO -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp" -m tcp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SEP-L2GJ7TJPLKY2PQ3G -s 192.168.2.100/32 -m comment --comment "default/kubernetes:https" -j KUBE-MARK-MASQ
-A KUBE-SEP-L2GJ7TJPLKY2PQ3G -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination 192.168.2.100:6443
-A KUBE-SEP-N4G2XR5TDX7PQE7P -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:metrics" -j KUBE-MARK-MASQ
-A KUBE-SEP-N4G2XR5TDX7PQE7P -p tcp -m comment --comment "kube-system/kube-dns:metrics" -m tcp -j DNAT --to-destination 10.244.0.2:9153
-A KUBE-SEP-OI7NWIH7RAT2AOGF -s 10.244.2.3/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-OI7NWIH7RAT2AOGF -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.2.3:80
-A KUBE-SEP-P33L4LSPB7KVLSK6 -s 10.244.1.4/32 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-P33L4LSPB7KVLSK6 -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.1.4:80
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -s 10.244.2.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-TCIZBYBD3WWXNWF5 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.2.2:53
-A KUBE-SEP-YIL6JZP7A3QYXJU2 -s 10.244.0.2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-YIL6JZP7A3QYXJU2 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.0.2:53
-A KUBE-SERVICES -d 10.1.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
-A KUBE-SERVICES -d 10.1.0.2/32 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-SERVICES -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
-A KUBE-SERVICES -d 10.1.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SERVICES -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-2CMXP7HKUVJN7L6M ! -s 10.244.0.0/16 -d 10.1.0.2/32 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.1.3:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-I7J7B2HF6PITCMSA
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.1.4:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-P33L4LSPB7KVLSK6
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> 10.244.2.3:80" -j KUBE-SEP-OI7NWIH7RAT2AOGF
-A KUBE-SVC-ERIFXISQEP7F7OF4 ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.0.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-IT2ZTR26TO4XFPTO
-A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.2:53" -j KUBE-SEP-H7FN6LU3RSH6CC2T
-A KUBE-SVC-JD5MR3NA4I4DYORP ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp --dport 9153 -j KUBE-MARK-MASQ
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.0.2:9153" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-N4G2XR5TDX7PQE7P
-A KUBE-SVC-JD5MR3NA4I4DYORP -m comment --comment "kube-system/kube-dns:metrics -> 10.244.2.2:9153" -j KUBE-SEP-CLAGU7VMF4VCXE4X
-A KUBE-SVC-NPX46M4PTMTKRN6Y ! -s 10.244.0.0/16 -d 10.1.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ
-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 192.168.2.100:6443" -j KUBE-SEP-L2GJ7TJPLKY2PQ3G
-A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.244.0.0/16 -d 10.1.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-YIL6JZP7A3QYXJU2
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.2:53" -j KUBE-SEP-TCIZBYBD3WWXNWF5
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-node2 ip6tables-restore <<'EOF'
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-PROXY-CANARY - [0:0]
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -j KUBE-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FLANNEL-FWD -s fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-EXT-2CMXP7HKUVJN7L6M - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-SEP-2YBQUGMCT6IDOSKJ - [0:0]
:KUBE-SEP-EEHRCHY3ZT43I56G - [0:0]
:KUBE-SEP-NSJL4MFP6RY6DKLV - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-2CMXP7HKUVJN7L6M - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244:2::/64 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 -d fd00:10:244:2::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244:2::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-EXT-2CMXP7HKUVJN7L6M -m comment --comment "masquerade traffic for default/nginx external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-2CMXP7HKUVJN7L6M -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/nginx" -m tcp --dport 30000 -j KUBE-EXT-2CMXP7HKUVJN7L6M
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-2YBQUGMCT6IDOSKJ -s fd00:10:244:1::4/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-2YBQUGMCT6IDOSKJ -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:1::4]:80
-A KUBE-SEP-EEHRCHY3ZT43I56G -s fd00:10:244:2::3/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-EEHRCHY3ZT43I56G -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:2::3]:80
-A KUBE-SEP-NSJL4MFP6RY6DKLV -s fd00:10:244:1::3/128 -m comment --comment "default/nginx" -j KUBE-MARK-MASQ
-A KUBE-SEP-NSJL4MFP6RY6DKLV -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination [fd00:10:244:1::3]:80
-A KUBE-SERVICES -d fd00:10:1::1/128 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-SVC-2CMXP7HKUVJN7L6M
-A KUBE-SERVICES ! -d ::1/128 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-2CMXP7HKUVJN7L6M ! -s fd00:10:244::/56 -d fd00:10:1::1/128 -p tcp -m comment --comment "default/nginx cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:1::3]:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-NSJL4MFP6RY6DKLV
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:1::4]:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2YBQUGMCT6IDOSKJ
-A KUBE-SVC-2CMXP7HKUVJN7L6M -m comment --comment "default/nginx -> [fd00:10:244:2::3]:80" -j KUBE-SEP-EEHRCHY3ZT43I56G
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-node2 sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_close_wait=3600 net.netfilter.nf_conntrack_tcp_timeout_established=86400
mkdir -p /etc/netns/knet-pod-default-nginx-6b97fcfcdd-25khw
cat > /etc/netns/knet-pod-default-nginx-6b97fcfcdd-25khw/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.1.0.10
options ndots:5
EOF
cat > /etc/netns/knet-pod-default-nginx-6b97fcfcdd-25khw/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.4	nginx-6b97fcfcdd-25khw
fd00:10:244:1::4	nginx-6b97fcfcdd-25khw
EOF
mkdir -p /etc/netns/knet-pod-default-nginx-6b97fcfcdd-cdxqq
cat > /etc/netns/knet-pod-default-nginx-6b97fcfcdd-cdxqq/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.1.0.10
options ndots:5
EOF
cat > /etc/netns/knet-pod-default-nginx-6b97fcfcdd-cdxqq/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.3	nginx-6b97fcfcdd-cdxqq
fd00:10:244:2::3	nginx-6b97fcfcdd-cdxqq
EOF
mkdir -p /etc/netns/knet-pod-default-nginx-6b97fcfcdd-m6qp9
cat > /etc/netns/knet-pod-default-nginx-6b97fcfcdd-m6qp9/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.1.0.10
options ndots:5
EOF
cat > /etc/netns/knet-pod-default-nginx-6b97fcfcdd-m6qp9/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.3	nginx-6b97fcfcdd-m6qp9
fd00:10:244:1::3	nginx-6b97fcfcdd-m6qp9
EOF
mkdir -p /etc/netns/knet-pod-default-pod-a
cat > /etc/netns/knet-pod-default-pod-a/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.1.0.10
options ndots:5
EOF
cat > /etc/netns/knet-pod-default-pod-a/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.2	pod-a
fd00:10:244:1::2	pod-a
EOF
mkdir -p /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-ndl7t
cat > /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-ndl7t/resolv.conf <<'EOF'

EOF
cat > /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-ndl7t/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.2	coredns-754bccc5bf-ndl7t
fd00:10:244:2::2	coredns-754bccc5bf-ndl7t
EOF
mkdir -p /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-xxvrt
cat > /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-xxvrt/resolv.conf <<'EOF'

EOF
cat > /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-xxvrt/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.0.2	coredns-754bccc5bf-xxvrt
fd00:10:244::2	coredns-754bccc5bf-xxvrt
EOF
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-ndl7t node dns.js kube-system/coredns-754bccc5bf-ndl7t 10.244.2.2,fd00:10:244:2::2 &
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-xxvrt node dns.js kube-system/coredns-754bccc5bf-xxvrt 10.244.0.2,fd00:10:244::2 &
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-xxvrt node responder.js 'pod kube-system/coredns-754bccc5bf-xxvrt' tcp/9153 &
ip netns exec knet-pod-default-nginx-6b97fcfcdd-25khw node responder.js 'pod default/nginx-6b97fcfcdd-25khw' tcp/80 &
ip netns exec knet-pod-default-nginx-6b97fcfcdd-m6qp9 node responder.js 'pod default/nginx-6b97fcfcdd-m6qp9' tcp/80 &
ip netns exec knet-pod-default-nginx-6b97fcfcdd-cdxqq node responder.js 'pod default/nginx-6b97fcfcdd-cdxqq' tcp/80 &
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-ndl7t node responder.js 'pod kube-system/coredns-754bccc5bf-ndl7t' tcp/9153 &
ip netns exec knet-node-k8s-master node responder.js 'node k8s-master' tcp/6443 &
