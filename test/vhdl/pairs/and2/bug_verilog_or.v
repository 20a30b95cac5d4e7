// Bug, in Verilog against the VHDL reference (mixed): an OR gate.
module and2(input a, input b, output y);
  assign y = a | b;
endmodule
